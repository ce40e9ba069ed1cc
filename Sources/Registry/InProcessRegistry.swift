/// The in-process registry bound to one caller (a process and its thread's token): the
/// `RegistryAPI` that `RegistryClient` is over the socket. Every call runs at once under the
/// registry's lock; `async` only to share the protocol.
public struct InProcessRegistry: RegistryAPI {
    public let registry: Registry
    public let caller: RegistryCaller
    /// The thread a change notification is bound to (it completes when `threadExited` says so).
    public let thread: ThreadID

    public init(_ registry: Registry, as caller: RegistryCaller, thread: ThreadID = ThreadID(0)) {
        self.registry = registry
        self.caller = caller
        self.thread = thread
    }

    public func openKey(_ base: KeyHandle, _ path: RegistryName, access: AccessMask,
                        options: KeyOptions = []) async throws(Win32Error) -> KeyHandle {
        try registry.openKey(base, path, access: access, options: options, as: caller)
    }

    public func createKey(_ base: KeyHandle, _ path: RegistryName, options: KeyOptions = [],
                          access: AccessMask) async throws(Win32Error) -> (KeyHandle, Disposition) {
        try registry.createKey(base, path, options: options, access: access, as: caller)
    }

    public func closeKey(_ key: KeyHandle) async throws(Win32Error) { try registry.closeKey(key, as: caller) }

    public func deleteKey(_ base: KeyHandle, _ subkey: RegistryName) async throws(Win32Error) {
        try registry.deleteKey(base, subkey, as: caller)
    }

    public func deleteTree(_ base: KeyHandle, _ subkey: RegistryName?) async throws(Win32Error) {
        try registry.deleteTree(base, subkey, as: caller)
    }

    public func queryInfoKey(_ key: KeyHandle) async throws(Win32Error) -> KeyInfo { try registry.queryInfoKey(key, as: caller) }

    public func enumerateKey(_ key: KeyHandle, index: Int) async throws(Win32Error) -> EnumeratedKey {
        guard index >= 0, index <= Int(UInt32.max) else { throw .invalidParameter }
        return try registry.enumerateKey(key, index: index, as: caller)
    }

    public func enumerateValue(_ key: KeyHandle, index: Int) async throws(Win32Error) -> RegistryValue {
        guard index >= 0, index <= Int(UInt32.max) else { throw .invalidParameter }
        return try registry.enumerateValue(key, index: index, as: caller)
    }

    public func queryValue(_ key: KeyHandle, _ name: RegistryName) async throws(Win32Error) -> RegistryValue {
        try registry.queryValue(key, name, as: caller)
    }

    public func setValue(_ key: KeyHandle, _ name: RegistryName, type: RegistryValueType, data: [UInt8]) async throws(Win32Error) {
        try registry.setValue(key, name, type: type, data: data, as: caller)
    }

    public func deleteValue(_ key: KeyHandle, _ name: RegistryName) async throws(Win32Error) {
        try registry.deleteValue(key, name, as: caller)
    }

    public func flushKey(_ key: KeyHandle) async throws(Win32Error) { try registry.flushKey(key, as: caller) }

    public func renameKey(_ key: KeyHandle, _ subkey: RegistryName?, to newName: RegistryName) async throws(Win32Error) {
        try registry.renameKey(key, subkey, to: newName, as: caller)
    }

    public func copyTree(_ source: KeyHandle, _ subkey: RegistryName?, to destination: KeyHandle) async throws(Win32Error) {
        try registry.copyTree(source, subkey, to: destination, as: caller)
    }

    public func keySecurity(_ key: KeyHandle) async throws(Win32Error) -> SecurityDescriptor {
        try registry.keySecurity(key, as: caller)
    }

    public func setKeySecurity(_ key: KeyHandle, _ descriptor: SecurityDescriptor) async throws(Win32Error) {
        try registry.setKeySecurity(key, descriptor, as: caller)
    }

    /// Hive mount points are kept as strings: a lone surrogate in `subkey` becomes U+FFFD.
    public func loadKey(_ base: KeyHandle, _ subkey: RegistryName, file: String) async throws(Win32Error) {
        try registry.loadKey(base, subkey.text, file: file, as: caller)
    }

    public func unloadKey(_ base: KeyHandle, _ subkey: RegistryName) async throws(Win32Error) {
        try registry.unloadKey(base, subkey.text, as: caller)
    }

    public func saveKey(_ key: KeyHandle, file: String, format: SaveFormat? = nil) async throws(Win32Error) {
        try registry.saveKey(key, file: file, format: format ?? .standard, as: caller)
    }

    public func restoreKey(_ key: KeyHandle, file: String, force: Bool = false) async throws(Win32Error) {
        try registry.restoreKey(key, file: file, force: force, as: caller)
    }

    public func loadAppKey(file: String, access: AccessMask, options: AppKeyOptions = []) async throws(Win32Error) -> KeyHandle {
        try registry.loadAppKey(file: file, access: access, options: options, as: caller)
    }

    public func notifyChangeKeyValue(_ key: KeyHandle, watchSubtree: Bool,
                                     filter: NotifyFilter) async throws(Win32Error) -> ChangeNotification {
        let n = ChangeNotification()
        try registry.notifyChangeKeyValue(key, watchSubtree: watchSubtree, filter: filter, thread: thread, as: caller) { n.complete($0) }
        return n
    }

    public func disablePredefinedCache() async throws(Win32Error) { registry.disablePredefinedCache(as: caller) }
}
