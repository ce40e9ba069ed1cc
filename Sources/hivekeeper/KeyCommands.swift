import ArgumentParser
import Foundation
import RegistryClient

/// RegRenameKey from the command line (reg.exe has no verb for it).
struct RenameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename",
        abstract: "Rename a live key (RegRenameKey); open handles follow it.",
        discussion: "hivekeeper rename KEY NEWNAME — NEWNAME is a name, not a path; a sibling of that name already there is ERROR_ALREADY_EXISTS."
    )
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "A live key (HKLM\\…, HKCU\\…).") var key: String
    @Argument(help: "Its new name.") var newName: String

    func run() async throws {
        try await daemon.run(livePaths: [key]) { client in
            let path = try LivePath(key)
            guard !path.subkey.isEmpty else { throw CLIError("\(path.display) is a root key; it cannot be renamed") }
            try await client.renameKey(path.root, path.subkey, to: newName)
            print("The operation completed successfully.")
            return 0
        }
    }
}

/// RegNotifyChangeKeyValue from the command line: waits for changes to a live key and prints each.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Wait for changes to a live key (RegNotifyChangeKeyValue) and print each.",
        discussion: """
            hivekeeper watch KEY [/s] [--filter name,attributes,last-set,security] [--count N] [--timeout SECONDS]. \
            /s watches the whole subtree. Each change prints a line; after --count changes (default 1) it \
            exits 0; when --timeout passes first, or the key goes away, it exits 1.
            """
    )
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "A live key (HKLM\\…, HKCU\\…).") var key: String
    @Flag(name: .customLong("recurse"), help: "Watch every key below too (/s).") var recurse = false
    @Option(help: "What to watch, comma-separated: name, attributes, last-set, security (default: all).") var filter: String?
    @Option(help: "Changes to wait for before exiting.") var count = 1
    @Option(help: "Give up after this many seconds without a change.") var timeout: Double?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        if let timeout, !(timeout > 0 && timeout < 1e9) { throw ValidationError("--timeout must be a positive number of seconds") }
        _ = try notifyFilter()
    }

    func notifyFilter() throws -> NotifyFilter {
        guard let filter else { return [.name, .attributes, .lastSet, .security] }
        var f: NotifyFilter = []
        for word in filter.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch word {
            case "name": f.insert(.name)
            case "attributes": f.insert(.attributes)
            case "last-set": f.insert(.lastSet)
            case "security": f.insert(.security)
            default: throw ValidationError("--filter: '\(word)' is not name, attributes, last-set or security")
            }
        }
        return f
    }

    func run() async throws {
        try await daemon.run(livePaths: [key]) { client in
            let path = try LivePath(key)
            // Closed with the connection when this ends (as at a process's exit).
            let k = try await client.openKey(path.root, path.subkey, access: .notify)
            let filter = try notifyFilter()
            for _ in 0..<count {
                let n = try await client.notifyChangeKeyValue(k, watchSubtree: recurse, filter: filter)
                print("Watching \(path.display)\(recurse ? " and below" : "")…")
                fflush(nil)
                guard let status = await n.wait(timeout: timeout.map { .milliseconds(Int64($0 * 1000)) }) else {
                    throw CLIError("no change to \(path.display) within \(timeout ?? 0) s")
                }
                guard status == .notifyEnumDir else {
                    throw CLIError("the wait on \(path.display) ended: \(status), \(win32Message(status.win32))")
                }
                print("\(path.display) changed")
                fflush(nil)
            }
            return 0
        }
    }
}
