import RegText
import RegistryClient
import Security

/// `query` on the running registry: reg.exe's output for a live key.
struct OnlineQuery {
    let client: RegistryClient
    let out: Output

    func run(_ path: LivePath, recurse: Bool, only: String?) async throws -> Int32 {
        let key = try await client.openKey(path.root, path.subkey, access: .keyRead)
        out.line("")
        if !recurse {
            out.line(path.display)
            if let only {
                if let v = try await valueIfPresent(key, only) {
                    printValue(v)
                } else if only.isEmpty {
                    out.line(valueNotSet)  // reg.exe: a key without a default value still answers /ve
                } else {
                    throw Win32Error.fileNotFound
                }
                out.line("")
                return 0
            }
            if try await printValues(key) { out.line("") }
            for name in try await subkeys(key) { out.line(path.display + "\\" + name) }
            return 0
        }
        let matches = try await walk(key, path.display, only: only)
        if only != nil { out.line("End of search: \(matches) match(es) found.") }
        return 0
    }

    /// Prints `key` and its subtree; returns how many keys had the value `only`.
    private func walk(_ key: KeyHandle, _ display: String, only: String?) async throws -> Int {
        var matches = 0
        if let only {
            if let v = try await valueIfPresent(key, only) {
                out.line(display)
                printValue(v)
                out.line("")
                matches += 1
            }
        } else {
            out.line(display)
            if try await printValues(key) { out.line("") }
        }
        for name in try await subkeys(key) {
            let child = try await client.openKey(key, name, access: .keyRead)
            matches += try await walk(child, display + "\\" + name, only: only)
            try await client.closeKey(child)
        }
        return matches
    }

    private func valueIfPresent(_ key: KeyHandle, _ name: String) async throws -> RegistryValue? {
        do {
            return try await client.queryValue(key, name)
        } catch let e where e == .fileNotFound {
            return nil
        }
    }

    private func printValues(_ key: KeyHandle) async throws -> Bool {
        var index = 0
        while let v = try await item({ () async throws(Win32Error) in try await client.enumerateValue(key, index: index) }) {
            printValue(v)
            index += 1
        }
        return index > 0
    }

    private func subkeys(_ key: KeyHandle) async throws -> [String] {
        var names: [String] = []
        while let k = try await item({ () async throws(Win32Error) in try await client.enumerateKey(key, index: names.count) }) {
            names.append(k.name.description)
        }
        return names
    }

    private func printValue(_ v: RegistryValue) {
        let name = v.name.isEmpty ? "(Default)" : v.name.description
        let text = v.data.withUnsafeBytes { ValueText.queryText(type: v.type.rawValue, data: $0) }
        out.line("    \(name)    \(v.type)    \(text)")
    }
}
