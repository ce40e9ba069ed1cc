import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// windows-semantics.md §2: a deleted key's handles. Each test names the row and its source.
final class DeletedKeyTests {
    let dir: URL
    let registry: Registry
    let me = Fixture.system()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// A key with a value, opened; then deleted through another handle.
    func deletedHandle() throws -> KeyHandle {
        let (h, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Del", access: .keyAllAccess, as: me)
        try registry.setValue(h, "test", type: .dword, data: [1, 0, 0, 0], as: me)
        let parent = try registry.openKey(.users, "S-1-5-21-1000-2000-3000-1001", access: .keyAllAccess, as: me)
        // §2.1 [C1], [RRP] §3.1.5.8: deleting succeeds while a handle is open.
        try registry.deleteKey(parent, "Del", as: me)
        try registry.closeKey(parent, as: me)
        return h
    }

    func expectDeleted(_ body: () throws -> Void) {
        #expect(throws: Win32Error.keyDeleted) { try body() }
    }

    /// §2.2 RegEnumValue, RegEnumKeyEx, RegQueryValueEx (before any not-found check), RegSetValueEx
    /// — [WA] test_deleted_key; RegQueryInfoKey — [RH] ok_key_deleted; RegFlushKey — [WA].
    @Test func everyOperationOnTheHandleIsKeyDeleted() throws {
        let h = try deletedHandle()
        expectDeleted { _ = try registry.enumerateValue(h, index: 0, as: me) }
        expectDeleted { _ = try registry.enumerateKey(h, index: 0, as: me) }
        expectDeleted { _ = try registry.queryValue(h, "test", as: me) }
        expectDeleted { _ = try registry.queryValue(h, "no such value", as: me) }
        expectDeleted { try registry.setValue(h, "test", type: .dword, data: [2, 0, 0, 0], as: me) }
        expectDeleted { try registry.deleteValue(h, "test", as: me) }  // [WN] NtDeleteValueKey
        expectDeleted { _ = try registry.queryInfoKey(h, as: me) }
        expectDeleted { try registry.flushKey(h, as: me) }
        expectDeleted { try registry.deleteTree(h, nil, as: me) }
        // §2.2 RegDeleteKey(hDeleted, "" | "child") is [UNCONFIRMED]: advapi32 opens the subkey
        // first, so ERROR_KEY_DELETED (docs/live-registry.md).
        expectDeleted { try registry.deleteKey(h, "", as: me) }
        expectDeleted { try registry.deleteKey(h, "child", as: me) }
        // §2.2 RegCloseKey → ERROR_SUCCESS ([C1], [WN], [RL]).
        try registry.closeKey(h, as: me)
        #expect(throws: Win32Error.invalidHandle) { try registry.closeKey(h, as: me) }
    }

    /// §2.2 RegOpenKeyEx / RegCreateKeyEx relative to the deleted key → ERROR_KEY_DELETED, no
    /// handle ([WA]; [C2]: the error is about the key the call works relative to).
    @Test func openAndCreateRelativeToItAreKeyDeleted() throws {
        let h = try deletedHandle()
        let before = registry.handleCount(of: me.process)
        expectDeleted { _ = try registry.openKey(h, "test", access: .keyRead, as: me) }
        expectDeleted { _ = try registry.openKey(h, "", access: .keyRead, as: me) }
        expectDeleted { _ = try registry.createKey(h, "test", access: .keyAllAccess, as: me) }
        #expect(registry.handleCount(of: me.process) == before)
    }

    /// §2.2 RegOpenKeyEx(parent, "Del") after the delete → ERROR_FILE_NOT_FOUND ([WA]
    /// test_reg_delete_key, [C1]); §2.1 a new key of the same name does not revive old handles.
    @Test func theNameIsGoneAndANewKeyIsAnotherKey() throws {
        let h = try deletedHandle()
        #expect(throws: Win32Error.fileNotFound) {
            _ = try registry.openKey(.users, "S-1-5-21-1000-2000-3000-1001\\Del", access: .keyRead, as: me)
        }
        let (fresh, disposition) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Del", access: .keyAllAccess, as: me)
        #expect(disposition == .createdNewKey)
        try registry.setValue(fresh, "test", type: .string, data: Array("x\0".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, as: me)
        expectDeleted { _ = try registry.queryValue(h, "test", as: me) }
        #expect(try registry.queryValue(fresh, "test", as: me).type == .string)
    }

    /// §2.2: NtDeleteKey on a key with subkeys → ERROR_ACCESS_DENIED for Win32 callers
    /// (STATUS_CANNOT_DELETE maps to 5, [WERR]); RegDeleteKey does not recurse, RegDeleteTree does
    /// ([RRP] §3.1.5.8). Handles below a deleted tree turn deleted too.
    @Test func keysWithChildrenNeedDeleteTree() throws {
        let (a, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\A\\B\\C", access: .keyAllAccess, as: me)
        let (vol, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\A\\V", options: .volatile, access: .keyAllAccess, as: me)
        #expect(throws: Win32Error.accessDenied) { try registry.deleteKey(.users, "S-1-5-21-1000-2000-3000-1001\\A", as: me) }
        try registry.deleteTree(.users, "S-1-5-21-1000-2000-3000-1001\\A", as: me)
        expectDeleted { _ = try registry.queryInfoKey(a, as: me) }
        expectDeleted { _ = try registry.queryInfoKey(vol, as: me) }
        #expect(throws: Win32Error.fileNotFound) { _ = try registry.openKey(.users, "S-1-5-21-1000-2000-3000-1001\\A", access: .keyRead, as: me) }
    }

    /// §2.1 [C4]: RegOverridePredefKey(HKCU, Contoso), then Contoso deleted: opening
    /// HKCU\Software fails with ERROR_KEY_DELETED though the caller holds no handle of its own.
    @Test func overriddenCurrentUserFollowsItsKeyIntoDeletion() throws {
        let (contoso, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Contoso\\Software", access: .keyAllAccess, as: me)
        try registry.closeKey(contoso, as: me)
        let (h, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Contoso", access: .keyAllAccess, as: me)
        try registry.overridePredefinedKey(.currentUser, with: h, as: me)
        try registry.closeKey(h, as: me)  // the override holds its own reference
        let soft = try registry.openKey(.currentUser, "Software", access: .keyRead, as: me)
        try registry.closeKey(soft, as: me)
        try registry.deleteTree(.users, "S-1-5-21-1000-2000-3000-1001\\Contoso", as: me)
        expectDeleted { _ = try registry.openKey(.currentUser, "Software", access: .keyRead, as: me) }
        // Restoring the default mapping ends it (there is no HKCU binding for this process: not found).
        try registry.overridePredefinedKey(.currentUser, with: nil, as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try registry.openKey(.currentUser, "Software", access: .keyRead, as: me) }
    }
}
