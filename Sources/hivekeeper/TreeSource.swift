import HiveFormat
import RegistryClient

/// A value as compare, copy and export read it.
struct TreeValue: Equatable {
    var name: RegistryName
    var type: UInt32
    var data: [UInt8]
}

/// A key of either source: a cell of a hive file, or a live key named by its predefined root and
/// path (opened for each read and closed again, so a long walk holds no handles).
enum TreeKey {
    case cell(NamedKey)
    case live(KeyHandle, RegistryName)
}

/// Where compare, copy and export read keys from: a hive file (offline) or hivekeeperd (online).
protocol TreeSource {
    func values(of key: TreeKey) async throws -> [TreeValue]
    func value(of key: TreeKey, named name: RegistryName) async throws -> TreeValue?
    /// The subkeys in Windows' name order.
    func subkeys(of key: TreeKey) async throws -> [(name: RegistryName, key: TreeKey)]
    /// Both at once (a live key is opened once for the pair).
    func contents(of key: TreeKey) async throws -> (values: [TreeValue], subkeys: [(name: RegistryName, key: TreeKey)])
}

extension TreeSource {
    func contents(of key: TreeKey) async throws -> (values: [TreeValue], subkeys: [(name: RegistryName, key: TreeKey)]) {
        (try await values(of: key), try await subkeys(of: key))
    }
}

struct HiveSource: TreeSource {
    let hive: Hive

    private func cell(_ key: TreeKey) -> NamedKey {
        guard case let .cell(k) = key else { preconditionFailure("a live key given to a hive file's source") }
        return k
    }

    func values(of key: TreeKey) throws -> [TreeValue] {
        var out: [TreeValue] = []
        try hive.forEachValue(of: cell(key)) { v throws(HiveError) in
            out.append(TreeValue(name: v.name, type: v.type.rawValue, data: try hive.data(of: v).bytes))
        }
        return out
    }

    func value(of key: TreeKey, named name: RegistryName) throws -> TreeValue? {
        try hive.value(of: cell(key), named: name).map { TreeValue(name: $0.name, type: $0.type.rawValue, data: try hive.data(of: $0).bytes) }
    }

    func subkeys(of key: TreeKey) throws -> [(name: RegistryName, key: TreeKey)] {
        try hive.subkeys(of: cell(key)).map { ($0.name, .cell($0)) }
    }
}

struct LiveSource: TreeSource {
    let client: RegistryClient

    private func opened<T>(_ key: TreeKey, _ body: (KeyHandle) async throws -> T) async throws -> T {
        guard case let .live(root, path) = key else { preconditionFailure("a hive cell given to the live source") }
        let h = try await client.openKey(root, path, access: .keyRead)
        do {
            let result = try await body(h)
            try? await client.closeKey(h)
            return result
        } catch {
            try? await client.closeKey(h)
            throw error
        }
    }

    func values(of key: TreeKey) async throws -> [TreeValue] {
        try await opened(key) { h in try await values(h) }
    }

    func value(of key: TreeKey, named name: RegistryName) async throws -> TreeValue? {
        try await opened(key) { h in
            do throws(Win32Error) {
                let v = try await client.queryValue(h, name.description)
                return TreeValue(name: v.name, type: v.type.rawValue, data: v.data)
            } catch where error == .fileNotFound {
                return nil
            }
        }
    }

    func subkeys(of key: TreeKey) async throws -> [(name: RegistryName, key: TreeKey)] {
        try await opened(key) { h in try await subkeys(h, of: key) }
    }

    func contents(of key: TreeKey) async throws -> (values: [TreeValue], subkeys: [(name: RegistryName, key: TreeKey)]) {
        try await opened(key) { h in (try await values(h), try await subkeys(h, of: key)) }
    }

    private func values(_ h: KeyHandle) async throws -> [TreeValue] {
        var out: [TreeValue] = []
        while let v = try await item({ () async throws(Win32Error) in try await client.enumerateValue(h, index: out.count) }) {
            out.append(TreeValue(name: v.name, type: v.type.rawValue, data: v.data))
        }
        return out
    }

    private func subkeys(_ h: KeyHandle, of key: TreeKey) async throws -> [(name: RegistryName, key: TreeKey)] {
        guard case let .live(root, path) = key else { preconditionFailure("a hive cell given to the live source") }
        var names: [RegistryName] = []
        while let k = try await item({ () async throws(Win32Error) in try await client.enumerateKey(h, index: names.count) }) {
            names.append(k.name)
        }
        return names
            .sorted { WindowsCase.compare($0.codeUnits, $1.codeUnits) < 0 }
            .map { ($0, .live(root, path.isEmpty ? $0 : RegistryName(codeUnits: path.codeUnits + [0x5C] + $0.codeUnits))) }
    }
}

/// An enumeration's item, nil past its end (ERROR_NO_MORE_ITEMS).
func item<T>(_ get: () async throws(Win32Error) -> T) async throws(Win32Error) -> T? {
    do {
        return try await get()
    } catch where error == .noMoreItems {
        return nil
    }
}
