import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// The operations' results and error codes outside deletion and unloading.
final class OperationTests {
    let dir: URL
    let registry: Registry
    let me = Fixture.system()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// windows-semantics.md §1: the numbers Win32 callers see, and the NTSTATUS behind 1018.
    @Test func errorNumbers() {
        let table: [(Win32Error, UInt32)] = [
            (.success, 0), (.fileNotFound, 2), (.accessDenied, 5), (.invalidHandle, 6), (.invalidParameter, 87),
            (.moreData, 234), (.noMoreItems, 259), (.registryCorrupt, 1015), (.registryIOFailed, 1016),
            (.notRegistryFile, 1017), (.keyDeleted, 1018), (.keyHasChildren, 1020), (.childMustBeVolatile, 1021),
            (.privilegeNotHeld, 1314),
        ]
        for (e, n) in table { #expect(e.rawValue == n) }
        #expect(Win32Error.keyDeleted.description == "ERROR_KEY_DELETED (1018)")
        #expect(NTStatus.keyDeleted.rawValue == 0xC000_017C && NTStatus.keyDeleted.win32 == .keyDeleted)
        #expect(NTStatus.hiveUnloaded.rawValue == 0xC000_0425 && NTStatus.hiveUnloaded.win32 == .keyDeleted)
        #expect(NTStatus.cannotDelete.win32 == .accessDenied)  // [WERR]
    }

    /// RegCreateKeyEx: dispositions; missing keys above are created; a leading backslash is
    /// ERROR_BAD_PATHNAME (Wine's test_reg_create_key); RegOpenKeyEx of a missing key is
    /// ERROR_FILE_NOT_FOUND; an unknown handle, ERROR_INVALID_HANDLE.
    @Test func createOpenAndDispositions() throws {
        let (a, d1) = try registry.createKey(.localMachine, "SOFTWARE\\Vendor\\App", className: "cls", access: .keyAllAccess, as: me)
        #expect(d1 == .createdNewKey)
        let (b, d2) = try registry.createKey(.localMachine, "software\\VENDOR\\app\\", access: .keyRead, as: me)
        #expect(d2 == .openedExistingKey)
        #expect(a != b)
        #expect(try registry.queryInfoKey(b, as: me).className == "cls")
        #expect(throws: Win32Error.badPathname) { _ = try self.registry.createKey(a, "\\Sub", access: .keyRead, as: self.me) }
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(.localMachine, "SOFTWARE\\Nope", access: .keyRead, as: self.me) }
        #expect(throws: Win32Error.invalidHandle) { _ = try self.registry.openKey(KeyHandle(rawValue: 4000), "x", access: .keyRead, as: self.me) }
        // Handles are per process: another process cannot use this one's.
        #expect(throws: Win32Error.invalidHandle) { _ = try self.registry.queryInfoKey(a, as: Fixture.system(999)) }
        let path = try registry.openKey(.users, "S-1-5-21-1000-2000-3000-1001", access: .keyRead, as: me)
        #expect(try registry.enumerateKey(.users, index: 0, as: me).name == "S-1-5-21-1000-2000-3000-1001")
        try registry.closeKey(path, as: me)
    }

    /// REG_OPTION_VOLATILE: below a volatile key only volatile keys, ERROR_CHILD_MUST_BE_VOLATILE
    /// (winerror.h 1021); the master namespace is volatile too; volatile subkeys enumerate after
    /// stable ones.
    @Test func volatileKeys() throws {
        let (v, _) = try registry.createKey(.localMachine, "SOFTWARE\\Vol", options: .volatile, access: .keyAllAccess, as: me)
        #expect(throws: Win32Error.childMustBeVolatile) { _ = try self.registry.createKey(v, "Stable", access: .keyRead, as: self.me) }
        _ = try registry.createKey(v, "Child", options: .volatile, access: .keyRead, as: me)
        #expect(throws: Win32Error.childMustBeVolatile) { _ = try self.registry.createKey(.localMachine, "NewHive", access: .keyRead, as: self.me) }
        _ = try registry.createKey(.localMachine, "SOFTWARE\\A", access: .keyRead, as: me)
        _ = try registry.createKey(.localMachine, "SOFTWARE\\Z", access: .keyRead, as: me)
        let soft = try registry.openKey(.localMachine, "SOFTWARE", access: .keyRead, as: me)
        var names: [String] = []
        var i = 0
        while true {
            do {
                names.append(try registry.enumerateKey(soft, index: i, as: me).name.description)
            } catch {
                #expect(error == .noMoreItems)
                break
            }
            i += 1
        }
        #expect(names == ["A", "Z", "Vol"])
        #expect(try registry.queryInfoKey(soft, as: me).subkeyCount == 3)
        try registry.setValue(v, "x", type: .dword, data: [1, 2, 3, 4], as: me)
        #expect(try registry.queryValue(v, "X", as: me).data == [1, 2, 3, 4])
    }

    /// RegQueryValueEx: ERROR_MORE_DATA with the size needed; no buffer measures; a missing
    /// value is ERROR_FILE_NOT_FOUND; RegEnumValue ends with ERROR_NO_MORE_ITEMS.
    @Test func valuesAndBuffers() throws {
        let (k, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Values", access: .keyAllAccess, as: me)
        let big = [UInt8](repeating: 0xAB, count: 20_000)
        try registry.setValue(k, "big", type: .binary, data: big, as: me)
        try registry.setValue(k, "", type: .string, data: [0x61, 0, 0, 0], as: me)
        var type = RegistryValueType(0), size = 0
        try registry.queryValue(k, "big", type: &type, data: nil, size: &size, as: me)
        #expect(size == 20_000 && type == .binary)
        var small = [UInt8](repeating: 0, count: 16)
        size = small.count
        #expect(throws: Win32Error.moreData) {
            try small.withUnsafeMutableBytes { b in try self.registry.queryValue(k, "big", type: &type, data: b, size: &size, as: self.me) }
        }
        #expect(size == 20_000)
        #expect(try registry.queryValue(k, "big", as: me).data == big)
        #expect(try registry.queryValue(k, "", as: me).data == [0x61, 0, 0, 0])
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.queryValue(k, "nope", as: self.me) }
        #expect(try registry.enumerateValue(k, index: 1, as: me).name.isEmpty)
        #expect(throws: Win32Error.noMoreItems) { _ = try self.registry.enumerateValue(k, index: 2, as: self.me) }
        // RegEnumValue: a data buffer too small, or a name that does not fit with its NUL.
        var got = 0
        var four = [UInt8](repeating: 0, count: 4)
        #expect(throws: Win32Error.moreData) {
            _ = try four.withUnsafeMutableBytes { b in try self.registry.enumerateValue(k, index: 0, nameCapacity: 10, data: b, size: &got, as: self.me) }
        }
        #expect(got == 20_000)
        #expect(throws: Win32Error.moreData) {
            _ = try self.registry.enumerateValue(k, index: 0, nameCapacity: 3, data: nil, size: &got, as: self.me)
        }
        #expect(try registry.enumerateValue(k, index: 0, nameCapacity: 4, data: nil, size: &got, as: me).name == "big")
        #expect(throws: Win32Error.moreData) { _ = try self.registry.enumerateKey(.users, index: 0, nameCapacity: 5, as: self.me) }
        try registry.deleteValue(k, "big", as: me)
        #expect(throws: Win32Error.fileNotFound) { try self.registry.deleteValue(k, "big", as: self.me) }
        let info = try registry.queryInfoKey(k, as: me)
        #expect(info.valueCount == 1)
    }

    /// Access masks: a handle does only what it was granted; the descriptor decides what an
    /// open grants (the hive root's default DACL gives Users read only).
    @Test func accessIsChecked() throws {
        let user = Fixture.user()
        let (k, _) = try registry.createKey(.localMachine, "SOFTWARE\\Locked", access: .keyAllAccess, as: me)
        try registry.setValue(k, "v", type: .dword, data: [1, 0, 0, 0], as: me)
        let r = try registry.openKey(.localMachine, "SOFTWARE\\Locked", access: .keyRead, as: user)
        #expect(try registry.queryValue(r, "v", as: user).data == [1, 0, 0, 0])
        #expect(throws: Win32Error.accessDenied) { try self.registry.setValue(r, "v", type: .dword, data: [2, 0, 0, 0], as: user) }
        #expect(throws: Win32Error.accessDenied) { _ = try self.registry.openKey(.localMachine, "SOFTWARE\\Locked", access: .keyWrite, as: user) }
        #expect(throws: Win32Error.accessDenied) { _ = try self.registry.createKey(r, "Sub", access: .keyRead, as: user) }
        #expect(throws: Win32Error.accessDenied) { try self.registry.deleteKey(.localMachine, "SOFTWARE\\Locked", as: user) }
        let q = try registry.openKey(.localMachine, "SOFTWARE\\Locked", access: .queryValue, as: me)
        #expect(throws: Win32Error.accessDenied) { _ = try self.registry.enumerateKey(q, index: 0, as: self.me) }
        // MAXIMUM_ALLOWED grants what the descriptor allows.
        let m = try registry.openKey(.localMachine, "SOFTWARE\\Locked", access: .maximumAllowed, as: user)
        #expect(try registry.queryValue(m, "v", as: user).type == .dword)
    }

    /// RegDeleteTree without a subkey empties the key but keeps it.
    @Test func deleteTreeWithoutSubkeyKeepsTheKey() throws {
        let (k, _) = try registry.createKey(.localMachine, "SOFTWARE\\T\\a\\b", access: .keyAllAccess, as: me)
        try registry.setValue(k, "v", type: .dword, data: [1, 0, 0, 0], as: me)
        let t = try registry.openKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: me)
        try registry.setValue(t, "top", type: .dword, data: [1, 0, 0, 0], as: me)
        try registry.deleteTree(t, nil, as: me)
        let info = try registry.queryInfoKey(t, as: me)
        #expect(info.subkeyCount == 0 && info.valueCount == 0)
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.queryValue(k, "v", as: self.me) }
    }
}
