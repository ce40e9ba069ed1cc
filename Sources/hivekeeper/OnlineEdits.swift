import HiveFormat
import RegText
import RegistryClient
import Security

/// add, delete and copy on live keys, through hivekeeperd: the same questions and answers as
/// offline, Windows' access checks and error codes from the daemon.
struct OnlineEdits {
    let client: RegistryClient

    func add(_ path: LivePath, value: String?, type: UInt32, data: [UInt8], force: Bool) async throws {
        guard !path.subkey.isEmpty else { throw CLIError("Invalid key name: a subkey of \(path.rootName) is needed") }
        let (k, _) = try await client.createKey(path.root, path.subkey, access: value == nil ? .keyRead : [.queryValue, .setValue])
        try await using(k) { k in
            guard let value else { return }
            if try await exists(k, value) {
                let shown = value.isEmpty ? "(Default)" : value
                try confirm("Value \(shown) exists, overwrite(Yes/No)?", force: force,
                            otherwise: "Value \(shown) exists and would be overwritten")
            }
            try await client.setValue(k, value, type: RegistryValueType(type), data: data)
        }
    }

    enum Deletion { case key, value(String), allValues }

    func delete(_ path: LivePath, _ what: Deletion, force: Bool) async throws {
        switch what {
        case .key:
            guard !path.subkey.isEmpty else { throw CLIError("Invalid key name: \(path.rootName) itself cannot be deleted") }
            // The key must exist before the question is asked.
            try await client.closeKey(try await client.openKey(path.root, path.subkey, access: .queryValue))
            try confirm("Permanently delete the registry key \(path.display) (Yes/No)?", force: force,
                        otherwise: "Deleting the key \(path.display) needs confirmation")
            try await client.deleteTree(path.root, path.subkey)
        case let .value(name):
            try await using(try await client.openKey(path.root, path.subkey, access: [.queryValue, .setValue])) { k in
                guard try await exists(k, name) else {
                    throw CLIError("The system was unable to find the specified registry key or value.")
                }
                let shown = name.isEmpty ? "(Default)" : name
                try confirm("Delete the registry value \(shown) (Yes/No)?", force: force,
                            otherwise: "Deleting the value \(shown) needs confirmation")
                try await client.deleteValue(k, name)
            }
        case .allValues:
            try await using(try await client.openKey(path.root, path.subkey, access: [.queryValue, .setValue])) { k in
                try confirm("Delete all values under the registry key \(path.display) (Yes/No)?", force: force,
                            otherwise: "Deleting all values of \(path.display) needs confirmation")
                // Read the names first: deleting while enumerating would skip every other one.
                let names = try await LiveSource(client: client).values(of: .live(path.root, path.subkeyName)).map(\.name)
                for name in names { try await client.deleteValue(k, name) }
            }
        }
    }

    /// reg copy: the source read whole first (so copying into its own subtree ends), then
    /// written key by key; an existing value is overwritten after asking (Yes/No/All) or with /f.
    func copy(_ source: LivePath, to target: LivePath, recurse: Bool, force: Bool) async throws {
        let live = LiveSource(client: client)
        if source.root == target.root, WindowsCase.compare(Array(source.subkey.utf16), Array(target.subkey.utf16)) == 0 {
            throw CLIError("The source and the destination are the same key.")
        }
        var snapshot: [(path: String, values: [TreeValue])] = []
        var stack: [(TreeKey, String)] = [(.live(source.root, source.subkeyName), "")]
        while let (key, below) = stack.popLast() {
            guard recurse else {
                snapshot.append((below, try await live.values(of: key)))
                continue
            }
            let (values, subkeys) = try await live.contents(of: key)
            snapshot.append((below, values))
            for child in subkeys.reversed() {
                stack.append((child.key, below.isEmpty ? child.name.description : below + "\\" + child.name.description))
            }
        }
        var overwriteAll = force
        for (below, values) in snapshot {
            let path = [target.subkey, below].filter { !$0.isEmpty }.joined(separator: "\\")
            let (k, _) = try await client.createKey(target.root, path, access: [.queryValue, .setValue])
            try await using(k) { k in
                for v in values {
                    if !overwriteAll, try await exists(k, v.name.description) {
                        let shown = v.name.isEmpty ? "(Default)" : v.name.description
                        overwriteAll = try ask("Value \(shown) exists, overwrite(Yes/No/All)?", allowingAll: true,
                                               otherwise: "Value \(shown) exists in the destination and would be overwritten")
                    }
                    try await client.setValue(k, v.name.description, type: RegistryValueType(v.type), data: v.data)
                }
            }
        }
    }

    /// reg import: a parsed .reg file applied key by key (`[-KEY]` deletes the subtree, `"v"=-`
    /// the value; deleting what is not there is no error, as regedit does).
    func apply(from input: String, next: () throws -> RegOperation?) async throws {
        func live(_ units: [UInt16]) throws -> LivePath { try LivePath(units: units) }
        var open: (path: [UInt16], key: KeyHandle)?
        func key(_ units: [UInt16]) async throws -> KeyHandle {
            if let o = open, o.path == units { return o.key }
            if let o = open { try? await client.closeKey(o.key) }
            let p = try live(units)
            let (k, _) = try await client.createKey(p.root, p.subkeyName, access: [.queryValue, .setValue])
            open = (units, k)
            return k
        }
        var line = 0
        do {
            while let op = try next() {
                line = op.line
                switch op {
                case let .createKey(path, _):
                    _ = try await key(path)
                case let .deleteKey(path, line):
                    if let o = open { try? await client.closeKey(o.key); open = nil }
                    let p = try live(path)
                    guard !p.subkey.isEmpty else { throw CLIError("\(input): line \(line): \(p.rootName) cannot be deleted") }
                    try await ignoringNotFound { () async throws(Win32Error) in try await client.deleteTree(p.root, p.subkeyName) }
                case let .setValue(path, name, type, data, _):
                    try await client.setValue(try await key(path), RegistryName(codeUnits: name), type: RegistryValueType(type), data: data)
                case let .deleteValue(path, name, _):
                    let k = try await key(path)
                    try await ignoringNotFound { () async throws(Win32Error) in
                        try await client.deleteValue(k, RegistryName(codeUnits: name))
                    }
                }
            }
        } catch {
            if let o = open { try? await client.closeKey(o.key) }
            // The daemon's code, and the .reg line it refused.
            if let e = error as? Win32Error {
                throw Win32Error(e, detail: "\(input): line \(line)" + (e.detail.map { ": \($0)" } ?? ""))
            }
            throw error
        }
        if let o = open { try? await client.closeKey(o.key) }
    }

    /// Runs `body`; ERROR_FILE_NOT_FOUND is no error (deleting what is not there).
    /// (A helper, not a `catch where` inside the loop: swift-frontend 6.3.1 crashes on that.)
    private func ignoringNotFound(_ body: () async throws(Win32Error) -> Void) async throws(Win32Error) {
        do {
            try await body()
        } catch {
            guard error == .fileNotFound else { throw error }
        }
    }

    /// Runs `body` with `key`, closing it afterwards whatever happens.
    private func using<T>(_ key: KeyHandle, _ body: (KeyHandle) async throws -> T) async throws -> T {
        do {
            let result = try await body(key)
            try? await client.closeKey(key)
            return result
        } catch {
            try? await client.closeKey(key)
            throw error
        }
    }

    private func exists(_ key: KeyHandle, _ name: String) async throws(Win32Error) -> Bool {
        do {
            _ = try await client.queryValue(key, name)
            return true
        } catch where error == .fileNotFound {
            return false
        }
    }
}
