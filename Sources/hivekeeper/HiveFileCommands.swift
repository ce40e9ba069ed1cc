import ArgumentParser
import Foundation
import RegistryClient

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
            try await client.loadKey(path.root, path.subkey, file: absolutePath(file))
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

/// reg save: a live key and everything stored below it, written by the daemon to a new hive
/// file (SeBackupPrivilege: root, or a demo daemon's SYSTEM). Volatile keys are not saved.
struct SaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Save a live key and its subtree to a hive file, as reg.exe save does.",
        discussion: """
            hivekeeper save KEY FILE [/y] [--format standard|latest|no-compression] — FILE must not exist \
            unless /y; needs the backup privilege (root). Without --format it is RegSaveKey (version 1.3); \
            --format is RegSaveKeyEx's: standard (1.3), latest (1.5), no-compression (a hive's root only: \
            the hive as it is, free space included).
            """
    )
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "A live key (HKLM\\…, HKCU\\…).") var key: String
    @Argument(help: "The new hive file (written by the daemon).") var file: String
    @Flag(name: .customLong("overwrite"), help: "Replace FILE if it exists (/y).") var overwrite = false
    @Option(help: "RegSaveKeyEx's format: standard, latest or no-compression.") var format: SaveFormatName?

    func run() async throws {
        try await daemon.run(livePaths: [key]) { client in
            let path = try LivePath(key)
            let absolute = absolutePath(file)
            if FileManager.default.fileExists(atPath: absolute) {
                // RegSaveKey itself refuses an existing file (ERROR_ALREADY_EXISTS); reg.exe asks.
                try confirm("File \(file) already exists. Overwrite (Yes/No)?", force: overwrite, skippedBy: "/y",
                            otherwise: "\(file) already exists")
                for f in [absolute, absolute + ".LOG1", absolute + ".LOG2"] { unlink(f) }
            }
            try await withKey(client, path) { k in try await client.saveKey(k, file: absolute, format: format?.format) }
            print("The operation completed successfully.")
            return 0
        }
    }
}

/// RegSaveKeyEx's formats, as `save --format` names them.
enum SaveFormatName: String, ExpressibleByArgument, CaseIterable {
    case standard, latest
    case noCompression = "no-compression"

    var format: SaveFormat {
        switch self {
        case .standard: .standard
        case .latest: .latest
        case .noCompression: .noCompression
        }
    }
}

/// reg restore: a saved hive's contents over a live key (SeRestorePrivilege). Refused while a
/// key below it is open, unless --force (REG_FORCE_RESTORE: those handles turn deleted).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Copy a saved hive file over a live key, as reg.exe restore does.",
        discussion: "hivekeeper restore KEY FILE [--force] — needs the restore privilege (root)."
    )
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "A live key (HKLM\\…, HKCU\\…).") var key: String
    @Argument(help: "The saved hive file.") var file: String
    @Flag(help: "Restore even while keys below KEY are open (REG_FORCE_RESTORE).") var force = false

    func run() async throws {
        try await daemon.run(livePaths: [key]) { client in
            let path = try LivePath(key)
            try await withKey(client, path) { k in try await client.restoreKey(k, file: absolutePath(file), force: force) }
            print("The operation completed successfully.")
            return 0
        }
    }
}

/// The daemon resolves paths in its own working directory: ours are sent absolute.
func absolutePath(_ file: String) -> String {
    file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
}

/// Opens `path` for reading, runs `body` with the handle, closes it whatever happens.
func withKey(_ client: RegistryClient, _ path: LivePath, _ body: (KeyHandle) async throws -> Void) async throws {
    let k = try await client.openKey(path.root, path.subkey, access: .keyRead)
    do {
        try await body(k)
    } catch {
        try? await client.closeKey(k)
        throw error
    }
    try? await client.closeKey(k)
}
