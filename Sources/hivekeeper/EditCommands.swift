import ArgumentParser
import HiveFormat
import RegText
import RegistryClient

/// Options of the commands that write a hive file.
struct EditOptions: ParsableArguments {
    @Option(name: .customLong("hive"), help: "The hive file to change (locked while open; flushed crash-safely); without it, KEY is a live key changed through hivekeeperd.")
    var hive: String?

    @Flag(name: .customLong("accept-dirty"), help: ArgumentHelp(
        "Write a dirty hive that has no usable transaction log, taking the primary file as it is."))
    var acceptDirty = false

    /// Opens the hive for writing (creating it when `create` and missing), runs `body`, and
    /// when the command fails takes back what opening made: a refused command leaves no new
    /// hive, and no empty NAME.LOG1/NAME.LOG2 that opening created beside an existing one.
    /// A hive error names the file (its offset and rule alone do not say which file).
    func editing(create: Bool, _ body: (HiveEditor) throws -> Int32) throws -> Int32 {
        guard let hive else { throw CLIError("no --hive file given") }
        do {
            return try editingNamed(hive, create: create, body)
        } catch let e as HiveError {
            let reason = e.description
            throw CLIError(reason.hasPrefix(hive) ? reason : "\(hive): \(reason)")
        }
    }

    private func editingNamed(_ hive: String, create: Bool, _ body: (HiveEditor) throws -> Int32) throws -> Int32 {
        let creating = create && access(hive, F_OK) != 0
        let logsBefore = Set(LogDiscovery.logs(besideHive: hive))
        let editor: HiveEditor
        if creating {
            editor = try HiveEditor.create(path: hive)
        } else {
            editor = try HiveEditor.open(path: hive, acceptDirty: acceptDirty)
            // A dirty hive's recovery (logs applied, a log passed over) is said, never silent.
            for note in editor.openingNotes { Diagnostics.say("hivekeeper: \(hive): \(note)") }
        }
        do {
            let status = try body(editor)
            if creating { Diagnostics.say("hivekeeper: created \(hive)") }
            return status
        } catch {
            editor.close()
            for log in LogDiscovery.logs(besideHive: hive) where creating || !logsBefore.contains(log) && Self.isEmptyFile(log) {
                unlink(log)
            }
            if creating { unlink(hive) }
            throw error
        }
    }

    private static func isEmptyFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_size == 0
    }
}

/// reg.exe asks before a destructive step; without a terminal it fails and says to pass the
/// command's switch that skips the question (`/f`; `save`'s is `/y`).
func confirm(_ question: String, force: Bool, skippedBy forceSwitch: String = "/f", otherwise refusal: String) throws {
    if force { return }
    _ = try ask(question, allowingAll: false, skippedBy: forceSwitch, otherwise: refusal)
}

/// Asks on the terminal; true when the answer was "all" (only offered when `allowingAll`).
/// No answers "no", which cancels the whole command, as reg.exe does.
func ask(_ question: String, allowingAll: Bool, skippedBy forceSwitch: String = "/f", otherwise refusal: String) throws -> Bool {
    guard Diagnostics.stdinIsTerminal else { throw CLIError("\(refusal); pass \(forceSwitch) to do it without asking.") }
    Diagnostics.sayInline(question + " ")
    let answer = readLine()?.lowercased() ?? ""
    if answer == "y" || answer == "yes" { return false }
    if allowingAll && (answer == "a" || answer == "all") { return true }
    throw CLIError("The operation was canceled by the user.")
}

extension HiveEditor {
    /// The key at `path` (relative to the root), creating the missing ones when `create`.
    func key(at path: KeyPath, create: Bool) throws -> UInt32 {
        var current = hive.baseBlock.rootCellOffset
        for component in path.components {
            if create {
                current = try createKey(under: current, named: component).offset
            } else {
                guard let next = try hive.subkey(of: hive.key(at: current), named: component) else {
                    throw CLIError("The system was unable to find the specified registry key or value.")
                }
                current = next.offset
            }
        }
        return current
    }

    /// A typed path that starts with a live root (HKLM\Software\X) would create a key named HKLM
    /// in the file: an error saying what a hive path is, unless the hive really has such a key.
    func refuseLiveRoot(_ path: KeyPath, typed: String) throws {
        guard let first = path.components.first,
              LivePath.rootNames.contains(first.description.uppercased()),
              try hive.subkey(of: hive.rootKey(), named: first) == nil
        else { return }
        let below = path.components.dropFirst().map(\.description).joined(separator: "\\")
        throw CLIError("Invalid key name: \(typed): with --hive a key path is relative to the hive's root"
            + (below.isEmpty ? "" : " (\(below), say)") + "; \(first) names the live registry (without --hive the key is changed through hivekeeperd)")
    }
}

struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a key or set a value, as reg.exe add does (the hive is created when missing).",
        discussion: "hivekeeper add [--hive FILE] KEY [/v NAME | /ve] [/t TYPE] [/s SEP] [/d DATA] [/f]"
    )

    @OptionGroup var editOptions: EditOptions
    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Key path relative to the hive root, or a live path (HKLM\\…, HKCU\\…); missing keys are created.")
    var key: String

    /// The value to set.
    @OptionGroup var valueName: ValueNameOptions

    @Option(name: .customLong("type"), help: "REG_SZ (default), REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE… (/t).")
    var type = "REG_SZ"

    @Option(name: .customLong("data"), help: "The data (/d).")
    var data: String?

    @Option(name: .customLong("separator"), help: "REG_MULTI_SZ separator, \\0 by default (/s).")
    var separator: String?

    @Flag(name: .customLong("force"), help: "Overwrite an existing value without asking (/f).")
    var force = false

    func run() async throws {
        let t: UInt32
        let bytes: [UInt8]
        do throws(RegAddData.Invalid) {
            t = try RegAddData.type(named: type)
            bytes = try RegAddData.bytes(type: t, data: data, separator: separator)
        } catch {
            Diagnostics.say("ERROR: \(error.description)")
            throw ExitCode(1)
        }
        if editOptions.hive == nil {
            try await daemon.run(livePaths: [key]) { client in
                try await OnlineEdits(client: client).add(try LivePath(key), value: valueName.name, type: t, data: bytes, force: force)
                print("The operation completed successfully.")
                return 0
            }
            return
        }
        try reporting(nil) {
            try editOptions.editing(create: true) { editor in
                try editor.refuseLiveRoot(KeyPath(key), typed: key)
                let k = try editor.key(at: KeyPath(key), create: true)
                if let name = valueName.name {
                    if try editor.hive.value(of: editor.hive.key(at: k), named: RegistryName(name)) != nil {
                        let shown = name.isEmpty ? "(Default)" : name
                        try confirm("Value \(shown) exists, overwrite(Yes/No)?", force: force,
                                    otherwise: "Value \(shown) exists and would be overwritten")
                    }
                    try editor.setValue(of: k, named: RegistryName(name), type: t, bytes: bytes)
                }
                try editor.flush()
                print("The operation completed successfully.")
                return 0
            }
        }
    }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a key (with everything below it) or values, as reg.exe delete does.",
        discussion: "hivekeeper delete [--hive FILE] KEY [/v NAME | /ve | /va] [/f]"
    )

    @OptionGroup var editOptions: EditOptions
    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Key path relative to the hive root, or a live path.")
    var key: String

    /// The value to delete.
    @OptionGroup var valueName: ValueNameOptions

    @Flag(name: .customLong("all-values"), help: "Delete every value of the key (/va).")
    var allValues = false

    @Flag(name: .customLong("force"), help: "Delete without asking (/f).")
    var force = false

    func validate() throws {
        if valueName.name != nil && allValues {
            throw ValidationError("/v, /ve and /va cannot be used together")
        }
    }

    func run() async throws {
        if editOptions.hive == nil {
            try await daemon.run(livePaths: [key]) { client in
                let what: OnlineEdits.Deletion = valueName.name.map { .value($0) } ?? (allValues ? .allValues : .key)
                try await OnlineEdits(client: client).delete(try LivePath(key), what, force: force)
                print("The operation completed successfully.")
                return 0
            }
            return
        }
        try reporting(nil) {
            try editOptions.editing(create: false) { editor in
                let path = KeyPath(key)
                let k = try editor.key(at: path, create: false)
                let shown = displayName(path.display)
                if let name = valueName.name {
                    guard try editor.hive.value(of: editor.hive.key(at: k), named: RegistryName(name)) != nil else {
                        throw CLIError("The system was unable to find the specified registry key or value.")
                    }
                    let shownValue = name.isEmpty ? "(Default)" : name
                    try confirm("Delete the registry value \(shownValue) (Yes/No)?", force: force,
                                otherwise: "Deleting the value \(shownValue) needs confirmation")
                    try editor.deleteValue(of: k, named: RegistryName(name))
                } else if allValues {
                    try confirm("Delete all values under the registry key \(shown) (Yes/No)?", force: force,
                                otherwise: "Deleting all values of \(shown) needs confirmation")
                    var names: [RegistryName] = []
                    try editor.hive.forEachValue(of: editor.hive.key(at: k)) { v throws(HiveError) in names.append(v.name) }
                    for name in names { try editor.deleteValue(of: k, named: name) }
                } else {
                    if path.components.isEmpty { throw CLIError("The root key of a hive cannot be deleted.") }
                    try confirm("Permanently delete the registry key \(shown) (Yes/No)?", force: force,
                                otherwise: "Deleting the key \(shown) needs confirmation")
                    try editor.deleteKey(k, recursive: true)
                }
                try editor.flush()
                print("The operation completed successfully.")
                return 0
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
