import RegistryClient
import Wire

/// The registry's calls on one connection, synchronously: RegistryClient's, without async.
struct Client {
    let connection: Connection
    /// Whether to poll for replies before sleeping (`Connection.call`).
    let spin: Bool

    var welcome: Welcome { connection.welcome }

    private func send(_ request: Request) throws(Win32Error) -> Payload { try connection.call(request, spin: spin).get() }

    private func handle(_ request: Request) throws(Win32Error) -> (KeyHandle, UInt32) {
        guard case let .handle(h, d) = try send(request) else { throw .callFailed }
        return (h, d)
    }

    private func value(_ request: Request) throws(Win32Error) -> RegistryValue {
        guard case let .value(v) = try send(request) else { throw .callFailed }
        return v
    }

    func openKey(_ base: KeyHandle, _ path: RegistryName, access: AccessMask, options: KeyOptions = []) throws(Win32Error) -> KeyHandle {
        try handle(.openKey(base: base, path: path, access: access.rawValue, options: options.rawValue)).0
    }

    func createKey(_ base: KeyHandle, _ path: RegistryName, options: KeyOptions = [], access: AccessMask) throws(Win32Error) -> (KeyHandle, Disposition) {
        let (h, d) = try handle(.createKey(base: base, path: path, access: access.rawValue, options: options.rawValue))
        return (h, Disposition(rawValue: d) ?? .openedExistingKey)
    }

    func closeKey(_ key: KeyHandle) throws(Win32Error) { _ = try send(.closeKey(key)) }
    func deleteKey(_ base: KeyHandle, _ subkey: RegistryName) throws(Win32Error) { _ = try send(.deleteKey(base: base, path: subkey)) }
    func deleteTree(_ base: KeyHandle, _ subkey: RegistryName?) throws(Win32Error) { _ = try send(.deleteTree(base: base, path: subkey)) }

    func queryInfoKey(_ key: KeyHandle) throws(Win32Error) -> KeyInfo {
        guard case let .keyInfo(i) = try send(.queryInfoKey(key)) else { throw .callFailed }
        return i
    }

    func enumerateKey(_ key: KeyHandle, index: Int) throws(Win32Error) -> EnumeratedKey {
        guard index >= 0, index <= Int(UInt32.max) else { throw .invalidParameter }
        guard case let .key(k) = try send(.enumerateKey(key, index: UInt32(index))) else { throw .callFailed }
        return k
    }

    func enumerateValue(_ key: KeyHandle, index: Int) throws(Win32Error) -> RegistryValue {
        guard index >= 0, index <= Int(UInt32.max) else { throw .invalidParameter }
        return try value(.enumerateValue(key, index: UInt32(index)))
    }

    func queryValue(_ key: KeyHandle, _ name: RegistryName) throws(Win32Error) -> RegistryValue { try value(.queryValue(key, name: name)) }

    func setValue(_ key: KeyHandle, _ name: RegistryName, type: RegistryValueType, data: [UInt8]) throws(Win32Error) {
        guard data.count < WireProtocol.maxFrame - 4096 else { throw .invalidParameter }
        _ = try send(.setValue(key, name: name, type: type.rawValue, data: data))
    }

    func deleteValue(_ key: KeyHandle, _ name: RegistryName) throws(Win32Error) { _ = try send(.deleteValue(key, name: name)) }
    func flushKey(_ key: KeyHandle) throws(Win32Error) { _ = try send(.flushKey(key)) }

    func loadKey(_ base: KeyHandle, _ subkey: RegistryName, file: String) throws(Win32Error) {
        _ = try send(.loadKey(base: base, subkey: subkey, file: file))
    }

    func unloadKey(_ base: KeyHandle, _ subkey: RegistryName) throws(Win32Error) { _ = try send(.unloadKey(base: base, subkey: subkey)) }

    func saveKey(_ key: KeyHandle, file: String, format: SaveFormat?) throws(Win32Error) {
        _ = try send(.saveKey(key, file: file, flags: format?.rawValue ?? 0))
    }

    func restoreKey(_ key: KeyHandle, file: String, force: Bool) throws(Win32Error) {
        _ = try send(.restoreKey(key, file: file, flags: force ? 0x8 : 0))  // REG_FORCE_RESTORE
    }

    func renameKey(_ key: KeyHandle, _ subkey: RegistryName?, to newName: RegistryName) throws(Win32Error) {
        _ = try send(.renameKey(key, subkey: subkey, newName: newName))
    }

    func copyTree(_ source: KeyHandle, _ subkey: RegistryName?, to destination: KeyHandle) throws(Win32Error) {
        _ = try send(.copyTree(source: source, subkey: subkey, destination: destination))
    }

    func loadAppKey(file: String, access: AccessMask, options: AppKeyOptions) throws(Win32Error) -> KeyHandle {
        try handle(.loadAppKey(file: file, access: access.rawValue, options: options.rawValue)).0
    }

    func openCurrentUser(access: AccessMask) throws(Win32Error) -> KeyHandle { try handle(.openCurrentUser(access: access.rawValue)).0 }
    func disablePredefinedCache() throws(Win32Error) { _ = try send(.disablePredefinedCache) }

    func keySecurity(_ key: KeyHandle) throws(Win32Error) -> SecurityDescriptor {
        guard case let .securityDescriptor(bytes) = try send(.getKeySecurity(key)),
              let sd = try? SecurityDescriptor(bytes: bytes) else { throw .callFailed }
        return sd
    }

    func setKeySecurity(_ key: KeyHandle, _ descriptor: SecurityDescriptor) throws(Win32Error) {
        _ = try send(.setKeySecurity(key, descriptor: descriptor.bytes))
    }
}
