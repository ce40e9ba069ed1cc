import ArgumentParser
import Foundation

/// reg load: mounts a hive file at HKLM\NAME or HKU\NAME in the running registry (SeBackup and
/// SeRestore privileges: root, or a demo daemon's SYSTEM).
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a hive file under HKLM\\NAME or HKU\\NAME in the running registry, as reg.exe load does.",
        discussion: "hivekeeper load KEY FILE — needs the backup and restore privileges (root)."
    )
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "HKLM\\NAME or HKU\\NAME.") var key: String
    @Argument(help: "The hive file (the daemon opens it: a relative path is taken from here).") var file: String

    func run() async throws {
        try await daemon.run(livePaths: [key]) { client in
            let path = try LivePath(key)
            // The daemon resolves paths in its own directory: send ours made absolute.
            let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            try await client.loadKey(path.root, path.subkey, file: absolute)
            print("The operation completed successfully.")
            return 0
        }
    }
}

/// reg unload: unloads a hive loaded with `load` (refused while anything still refers into it).
struct UnloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unload",
        abstract: "Unload a hive loaded under HKLM\\NAME or HKU\\NAME, as reg.exe unload does.",
        discussion: "hivekeeper unload KEY — ERROR_ACCESS_DENIED while something still holds a key of it."
    )
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "HKLM\\NAME or HKU\\NAME.") var key: String

    func run() async throws {
        try await daemon.run(livePaths: [key]) { client in
            let path = try LivePath(key)
            try await client.unloadKey(path.root, path.subkey)
            print("The operation completed successfully.")
            return 0
        }
    }
}
