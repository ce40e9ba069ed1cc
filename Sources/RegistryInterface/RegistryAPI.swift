@_exported import RegistryTypes
@_exported import Security

/// The registry's calls as one process sees them (advapi32's Reg* functions): implemented by the
/// in-process registry bound to a caller (`InProcessRegistry`) and by `RegistryClient` over
/// hivekeeperd's socket, so a new operation does not compile until both sides have it. Names and
/// paths are UTF-16 code units (`RegistryName`), exactly as the hive keeps them; file paths are
/// paths on the machine the registry runs on. The conformance suite (RegistryConformanceTests)
/// runs the same tests against both.
public protocol RegistryAPI: Sendable {
    /// RegOpenKeyEx.
    func openKey(_ base: KeyHandle, _ path: RegistryName, access: AccessMask, options: KeyOptions) async throws(Win32Error) -> KeyHandle
    /// RegCreateKeyEx.
    func createKey(_ base: KeyHandle, _ path: RegistryName, options: KeyOptions,
                   access: AccessMask) async throws(Win32Error) -> (KeyHandle, Disposition)
    /// RegCloseKey.
    func closeKey(_ key: KeyHandle) async throws(Win32Error)
    /// RegDeleteKey (`subkey` empty: the key itself).
    func deleteKey(_ base: KeyHandle, _ subkey: RegistryName) async throws(Win32Error)
    /// RegDeleteTree (`subkey` nil: the key's values and subkeys, not the key).
    func deleteTree(_ base: KeyHandle, _ subkey: RegistryName?) async throws(Win32Error)
    /// RegQueryInfoKey.
    func queryInfoKey(_ key: KeyHandle) async throws(Win32Error) -> KeyInfo
    /// RegEnumKeyEx (ERROR_NO_MORE_ITEMS past the end).
    func enumerateKey(_ key: KeyHandle, index: Int) async throws(Win32Error) -> EnumeratedKey
    /// RegEnumValue.
    func enumerateValue(_ key: KeyHandle, index: Int) async throws(Win32Error) -> RegistryValue
    /// RegQueryValueEx.
    func queryValue(_ key: KeyHandle, _ name: RegistryName) async throws(Win32Error) -> RegistryValue
    /// RegSetValueEx.
    func setValue(_ key: KeyHandle, _ name: RegistryName, type: RegistryValueType, data: [UInt8]) async throws(Win32Error)
    /// RegDeleteValue.
    func deleteValue(_ key: KeyHandle, _ name: RegistryName) async throws(Win32Error)
    /// RegFlushKey.
    func flushKey(_ key: KeyHandle) async throws(Win32Error)
    /// RegRenameKey (`subkey` nil: the key itself).
    func renameKey(_ key: KeyHandle, _ subkey: RegistryName?, to newName: RegistryName) async throws(Win32Error)
    /// RegCopyTree: the values and subkeys of `source` (or of its `subkey`) into `destination`.
    func copyTree(_ source: KeyHandle, _ subkey: RegistryName?, to destination: KeyHandle) async throws(Win32Error)
    /// RegGetKeySecurity (owner, group and DACL).
    func keySecurity(_ key: KeyHandle) async throws(Win32Error) -> SecurityDescriptor
    /// RegSetKeySecurity (owner and DACL).
    func setKeySecurity(_ key: KeyHandle, _ descriptor: SecurityDescriptor) async throws(Win32Error)
    /// RegLoadKey (SeBackupPrivilege and SeRestorePrivilege).
    func loadKey(_ base: KeyHandle, _ subkey: RegistryName, file: String) async throws(Win32Error)
    /// RegUnLoadKey.
    func unloadKey(_ base: KeyHandle, _ subkey: RegistryName) async throws(Win32Error)
    /// RegSaveKey (`format` nil) or RegSaveKeyEx (SeBackupPrivilege).
    func saveKey(_ key: KeyHandle, file: String, format: SaveFormat?) async throws(Win32Error)
    /// RegRestoreKey (SeRestorePrivilege); `force` is REG_FORCE_RESTORE.
    func restoreKey(_ key: KeyHandle, file: String, force: Bool) async throws(Win32Error)
    /// RegLoadAppKey.
    func loadAppKey(file: String, access: AccessMask, options: AppKeyOptions) async throws(Win32Error) -> KeyHandle
    /// RegNotifyChangeKeyValue, asynchronous: errors now, the signal later through the returned
    /// registration.
    func notifyChangeKeyValue(_ key: KeyHandle, watchSubtree: Bool, filter: NotifyFilter) async throws(Win32Error) -> ChangeNotification
    /// RegDisablePredefinedCache.
    func disablePredefinedCache() async throws(Win32Error)
}
