import RegistryInterface
import Wire

/// The calls, named and typed as `Registry`'s in-process ones.
extension RegistryClient: RegistryAPI {
    // MARK: Keys (RegistryAPI)

    public func openKey(_ base: KeyHandle, _ path: RegistryName, access: AccessMask,
                        options: KeyOptions = []) async throws(Win32Error) -> KeyHandle {
        try handle(await call(.openKey(base: base, path: path, access: access.rawValue, options: options.rawValue))).0
    }

    public func createKey(_ base: KeyHandle, _ path: RegistryName, options: KeyOptions = [],
                          access: AccessMask) async throws(Win32Error) -> (KeyHandle, Disposition) {
        let (h, d) = try handle(await call(.createKey(base: base, path: path, access: access.rawValue, options: options.rawValue)))
        return (h, Disposition(rawValue: d) ?? .openedExistingKey)
    }

    public func closeKey(_ key: KeyHandle) async throws(Win32Error) { _ = try await call(.closeKey(key)) }

    public func deleteKey(_ base: KeyHandle, _ subkey: RegistryName) async throws(Win32Error) {
        _ = try await call(.deleteKey(base: base, path: subkey))
    }

    public func deleteTree(_ base: KeyHandle, _ subkey: RegistryName?) async throws(Win32Error) {
        _ = try await call(.deleteTree(base: base, path: subkey))
    }

    public func queryInfoKey(_ key: KeyHandle) async throws(Win32Error) -> KeyInfo {
        guard case let .keyInfo(i) = try await call(.queryInfoKey(key)) else { throw .callFailed }
        return i
    }

    public func enumerateKey(_ key: KeyHandle, index: Int) async throws(Win32Error) -> EnumeratedKey {
        guard index >= 0, index <= Int(UInt32.max) else { throw .invalidParameter }
        guard case let .key(k) = try await call(.enumerateKey(key, index: UInt32(index))) else { throw .callFailed }
        return k
    }

    public func enumerateValue(_ key: KeyHandle, index: Int) async throws(Win32Error) -> RegistryValue {
        guard index >= 0, index <= Int(UInt32.max) else { throw .invalidParameter }
        return try value(await call(.enumerateValue(key, index: UInt32(index))))
    }

    public func queryValue(_ key: KeyHandle, _ name: RegistryName) async throws(Win32Error) -> RegistryValue {
        try value(await call(.queryValue(key, name: name)))
    }

    public func setValue(_ key: KeyHandle, _ name: RegistryName, type: RegistryValueType, data: [UInt8]) async throws(Win32Error) {
        guard data.count < WireProtocol.maxFrame - 4096 else { throw .invalidParameter }
        _ = try await call(.setValue(key, name: name, type: type.rawValue, data: data))
    }

    public func deleteValue(_ key: KeyHandle, _ name: RegistryName) async throws(Win32Error) {
        _ = try await call(.deleteValue(key, name: name))
    }

    public func flushKey(_ key: KeyHandle) async throws(Win32Error) { _ = try await call(.flushKey(key)) }

    /// `file` is a path on the daemon's machine.
    public func loadKey(_ base: KeyHandle, _ subkey: RegistryName, file: String) async throws(Win32Error) {
        _ = try await call(.loadKey(base: base, subkey: subkey, file: file))
    }

    public func unloadKey(_ base: KeyHandle, _ subkey: RegistryName) async throws(Win32Error) {
        _ = try await call(.unloadKey(base: base, subkey: subkey))
    }

    /// The daemon writes the file (the caller needs SeBackupPrivilege).
    public func saveKey(_ key: KeyHandle, file: String, format: SaveFormat? = nil) async throws(Win32Error) {
        _ = try await call(.saveKey(key, file: file, flags: format?.rawValue ?? 0))
    }

    public func restoreKey(_ key: KeyHandle, file: String, force: Bool = false) async throws(Win32Error) {
        _ = try await call(.restoreKey(key, file: file, flags: force ? 0x8 : 0))
    }

    public func renameKey(_ key: KeyHandle, _ subkey: RegistryName? = nil, to newName: RegistryName) async throws(Win32Error) {
        _ = try await call(.renameKey(key, subkey: subkey, newName: newName))
    }

    public func copyTree(_ source: KeyHandle, _ subkey: RegistryName? = nil, to destination: KeyHandle) async throws(Win32Error) {
        _ = try await call(.copyTree(source: source, subkey: subkey, destination: destination))
    }

    public func keySecurity(_ key: KeyHandle) async throws(Win32Error) -> SecurityDescriptor {
        guard case let .securityDescriptor(bytes) = try await call(.getKeySecurity(key)),
              let sd = try? SecurityDescriptor(bytes: bytes) else { throw .callFailed }
        return sd
    }

    public func setKeySecurity(_ key: KeyHandle, _ descriptor: SecurityDescriptor) async throws(Win32Error) {
        _ = try await call(.setKeySecurity(key, descriptor: descriptor.bytes))
    }

    /// `file` is a path on the daemon's machine; the hive unloads when its last handle closes.
    public func loadAppKey(file: String, access: AccessMask, options: AppKeyOptions = []) async throws(Win32Error) -> KeyHandle {
        try handle(await call(.loadAppKey(file: file, access: access.rawValue, options: options.rawValue))).0
    }

    /// REG_NOTIFY_THREAD_AGNOSTIC in `filter` keeps the registration past the calling logical
    /// thread's end. `wait()` on the returned registration is the synchronous form.
    public func notifyChangeKeyValue(_ key: KeyHandle, watchSubtree: Bool, filter: NotifyFilter) async throws(Win32Error) -> ChangeNotification {
        let n = ChangeNotification()
        _ = try await call(.notifyChangeKeyValue(key, watchSubtree: watchSubtree, filter: filter.rawValue), notification: n)
        return n
    }

    // MARK: The same, names as Swift strings (a string cannot hold a lone surrogate)

    public func openKey(_ base: KeyHandle, _ path: some RegistryPath, access: AccessMask,
                        options: KeyOptions = []) async throws(Win32Error) -> KeyHandle {
        try await openKey(base, path.registryName, access: access, options: options)
    }

    public func createKey(_ base: KeyHandle, _ path: some RegistryPath, options: KeyOptions = [],
                          access: AccessMask) async throws(Win32Error) -> (KeyHandle, Disposition) {
        try await createKey(base, path.registryName, options: options, access: access)
    }

    public func deleteKey(_ base: KeyHandle, _ subkey: some RegistryPath) async throws(Win32Error) {
        try await deleteKey(base, subkey.registryName)
    }

    public func deleteTree<P: RegistryPath>(_ base: KeyHandle, _ subkey: P?) async throws(Win32Error) {
        try await deleteTree(base, subkey?.registryName)
    }

    public func queryValue(_ key: KeyHandle, _ name: some RegistryPath) async throws(Win32Error) -> RegistryValue {
        try await queryValue(key, name.registryName)
    }

    public func setValue(_ key: KeyHandle, _ name: some RegistryPath, type: RegistryValueType, data: [UInt8]) async throws(Win32Error) {
        try await setValue(key, name.registryName, type: type, data: data)
    }

    public func deleteValue(_ key: KeyHandle, _ name: some RegistryPath) async throws(Win32Error) {
        try await deleteValue(key, name.registryName)
    }

    public func loadKey(_ base: KeyHandle, _ subkey: some RegistryPath, file: String) async throws(Win32Error) {
        try await loadKey(base, subkey.registryName, file: file)
    }

    public func unloadKey(_ base: KeyHandle, _ subkey: some RegistryPath) async throws(Win32Error) {
        try await unloadKey(base, subkey.registryName)
    }

    public func renameKey<P: RegistryPath>(_ key: KeyHandle, _ subkey: P?, to newName: some RegistryPath) async throws(Win32Error) {
        try await renameKey(key, subkey?.registryName, to: newName.registryName)
    }

    public func renameKey(_ key: KeyHandle, to newName: some RegistryPath) async throws(Win32Error) {
        try await renameKey(key, nil, to: newName.registryName)
    }

    public func copyTree<P: RegistryPath>(_ source: KeyHandle, _ subkey: P?, to destination: KeyHandle) async throws(Win32Error) {
        try await copyTree(source, subkey?.registryName, to: destination)
    }

    // MARK: Threads, identity and HKEY_CURRENT_USER

    /// Runs `body` as a new logical thread of this process; when it returns the thread ends, as a
    /// Windows thread exits: its impersonation goes and its thread-bound notifications complete.
    public func onNewThread<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        try await RegistryClient.$thread.withValue(RegistryClient.newThread()) {
            do {
                let r = try await body()
                _ = try? await call(.endThread)
                return r
            } catch {
                _ = try? await call(.endThread)
                throw error
            }
        }
    }

    /// Runs `body` on a new logical thread impersonating `user` (needs SeImpersonatePrivilege);
    /// the thread ends afterwards, and its impersonation with it.
    public func impersonate<R: Sendable>(_ user: String, _ body: () async throws -> R) async throws -> R {
        try await onNewThread {
            _ = try await call(.impersonate(user: user))
            return try await body()
        }
    }

    /// RegOpenCurrentUser: a new handle to the calling thread's user's hive, never the cached HKCU.
    public func openCurrentUser(access: AccessMask) async throws(Win32Error) -> KeyHandle {
        try handle(await call(.openCurrentUser(access: access.rawValue))).0
    }

    /// RegDisablePredefinedCache.
    public func disablePredefinedCache() async throws(Win32Error) { _ = try await call(.disablePredefinedCache) }

    // MARK: Sessions

    /// Logs `user` on (SYSTEM only); the new session's id.
    public func logon(_ user: String) async throws(Win32Error) -> Int {
        guard case let .session(s) = try await call(.logon(user: user)) else { throw .callFailed }
        return Int(s)
    }

    /// Logs session `session` off (SYSTEM only), under `policy` when given.
    public func logoff(session: Int, policy: String? = nil) async throws(Win32Error) -> WireLogoff {
        guard session >= 0, session <= Int(UInt32.max) else { throw .noSuchLogonSession }
        guard case let .logoff(o) = try await call(.logoff(session: UInt32(session), policy: policy)) else { throw .callFailed }
        return o
    }

    public func sessions() async throws(Win32Error) -> [WireSession] {
        guard case let .sessions(s) = try await call(.listSessions) else { throw .callFailed }
        return s
    }

    /// Who holds references into `user`'s hives, or into the hive `hive` (HKU\X, HKLM\X), or
    /// into every hive.
    public func handles(user: String? = nil, hive: String? = nil) async throws(Win32Error) -> [WireReference] {
        guard case let .references(r) = try await call(.handles(user: user, hive: hive)) else { throw .callFailed }
        return r
    }

    /// Chaos for developers (SYSTEM only): `user`'s hives unloaded by force and loaded again, so
    /// that every reference a program held into them now fails with ERROR_KEY_DELETED (1018) —
    /// what a logoff's forced unload does, on demand. The references it broke.
    public func chaosForceUnload(user: String) async throws(Win32Error) -> [WireReference] {
        guard case let .references(r) = try await call(.chaosForceUnload(user: user)) else { throw .callFailed }
        return r
    }

    /// Event log entries (JSON lines) after `after`, and where the next call should start.
    public func events(after: Int = 0) async throws(Win32Error) -> (lines: [String], next: Int) {
        guard case let .events(lines, next) = try await call(.events(after: UInt32(clamping: after))) else { throw .callFailed }
        return (lines, Int(next))
    }

    // MARK: Payloads

    private func handle(_ p: Payload) throws(Win32Error) -> (KeyHandle, UInt32) {
        guard case let .handle(h, d) = p else { throw .callFailed }
        return (h, d)
    }

    private func value(_ p: Payload) throws(Win32Error) -> RegistryValue {
        guard case let .value(v) = p else { throw .callFailed }
        return v
    }
}
