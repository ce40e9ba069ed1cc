import ArgumentParser
import HiveFormat

struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a key's values (with /s, its whole subtree) to another key, as reg.exe copy does.",
        discussion: """
            hivekeeper copy [--hive FILE] SRC DST [/s] [/f]. Without --hive, SRC and DST are live keys \
            (HKLM\\…, HKCU\\…) copied through hivekeeperd. DST and the keys below it are created as \
            needed; a value DST already has is overwritten only after asking, or with /f. The source \
            is read whole before anything is written, so copying a key into its own subtree ends.
            """
    )

    @OptionGroup var editOptions: EditOptions
    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "The key to copy from (relative to the hive root).")
    var source: String

    @Argument(help: "The key to copy to.")
    var destination: String

    @Flag(name: .customLong("recurse"), help: "Copy every subkey and value below SRC (/s).")
    var recurse = false

    @Flag(name: .customLong("force"), help: "Overwrite existing values without asking (/f).")
    var force = false

    func run() async throws {
        if editOptions.hive == nil {
            try await daemon.run(livePaths: [source, destination]) { client in
                try await OnlineEdits(client: client).copy(try LivePath(source), to: try LivePath(destination), recurse: recurse, force: force)
                print("The operation completed successfully.")
                return 0
            }
            return
        }
        try reporting(nil) {
            try editOptions.editing(create: false) { editor in
                let hive = editor.hive
                let start = try editor.key(at: KeyPath(source), create: false)
                // Snapshot: (path below SRC, values) for SRC and, with /s, every key below it.
                var snapshot: [(path: [RegistryName], values: [(RegistryName, UInt32, [UInt8])])] = []
                var stack: [(UInt32, [RegistryName])] = [(start, [])]
                while let (offset, path) = stack.popLast() {
                    let key = try hive.key(at: offset)
                    var values: [(RegistryName, UInt32, [UInt8])] = []
                    try hive.forEachValue(of: key) { v throws(HiveError) in
                        values.append((v.name, v.type.rawValue, try hive.data(of: v).bytes))
                    }
                    snapshot.append((path, values))
                    if recurse {
                        for child in try hive.subkeys(of: key).reversed() { stack.append((child.offset, path + [child.name])) }
                    }
                }
                let target = KeyPath(destination)
                try editor.refuseLiveRoot(target, typed: destination)
                // reg.exe refuses to copy a key onto itself, with or without /s and /f (Wine's
                // conformance test programs/reg/tests/copy.c, test_command_syntax).
                if let existing = try? editor.key(at: target, create: false), existing == start {
                    throw CLIError("The source and the destination are the same key.")
                }
                var overwriteAll = force
                for (path, values) in snapshot {
                    let k = try editor.key(at: KeyPath(components: target.components + path), create: true)
                    for (name, type, data) in values {
                        if !overwriteAll, try hive.value(of: hive.key(at: k), named: name) != nil {
                            let shown = name.isEmpty ? "(Default)" : name.description
                            overwriteAll = try ask("Value \(shown) exists, overwrite(Yes/No/All)?", allowingAll: true,
                                                   otherwise: "Value \(shown) exists in the destination and would be overwritten")
                        }
                        try editor.setValue(of: k, named: name, type: type, bytes: data)
                    }
                }
                try editor.flush()
                print("The operation completed successfully.")
                return 0
            }
        }
    }
}
