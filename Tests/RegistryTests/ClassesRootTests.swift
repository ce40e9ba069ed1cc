import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// HKEY_CLASSES_ROOT's merged view ([WA] test_classesroot, test_classesroot_enum; [RH];
/// docs/live-registry.md "HKEY_CLASSES_ROOT").
final class ClassesRootTests {
    let dir: URL
    let registry: Registry
    let me = Fixture.system()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
        try registry.bindCurrentUser(of: me.process, to: Fixture.userPath)
        _ = try registry.createKey(.localMachine, "SOFTWARE\\Classes", access: .keyRead, as: me)
        _ = try registry.createKey(.currentUser, "Software\\Classes", access: .keyRead, as: me)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    private func sz(_ s: String) -> [UInt8] { Array((s + "\0").utf16LE) }
    private func text(_ h: KeyHandle, _ name: String) throws -> [UInt8] { try registry.queryValue(h, name, as: me).data }
    private func isHKCR(_ h: KeyHandle) -> Bool { h.rawValue & 3 == 2 }

    /// [WA] test_classesroot: which copy a handle reads and writes, where new keys go, what a
    /// delete removes; handles through HKCR carry the IS_HKCR mark.
    @Test func valuesCreatesAndDeletes() throws {
        let (hklm, _) = try registry.createKey(.localMachine, "SOFTWARE\\Classes\\WineTestCls", access: .keyAllAccess, as: me)
        #expect(!isHKCR(hklm))
        let hkcr = try registry.openKey(.classesRoot, "WineTestCls", access: .keyAllAccess, as: me)
        #expect(isHKCR(hkcr))
        try registry.setValue(hklm, "val2", type: .string, data: sz("hklm"), as: me)
        #expect(try text(hkcr, "val2") == sz("hklm"))
        try registry.setValue(hkcr, "val2", type: .string, data: sz("hkcr"), as: me)
        #expect(try text(hklm, "val2") == sz("hkcr"))  // bound to the machine's copy: writes go there

        let (hkey, _) = try registry.createKey(.currentUser, "Software\\Classes\\WineTestCls", access: .keyAllAccess, as: me)
        let hkcrUser = try registry.openKey(.classesRoot, "WineTestCls", access: .keyAllAccess, as: me)
        try registry.setValue(hkey, "val2", type: .string, data: sz("user"), as: me)
        #expect(try text(hkcrUser, "val2") == sz("user"))
        try registry.setValue(hklm, "val2", type: .string, data: sz("hklm"), as: me)
        #expect(try text(hkcrUser, "val2") == sz("user"))

        // A subkey only the machine has, opened through the user-bound handle, is the machine's…
        let (hklmsub1, _) = try registry.createKey(hklm, "subkey1", access: .keyAllAccess, as: me)
        let hkcrsub1 = try registry.openKey(hkcrUser, "subkey1", access: .keyAllAccess, as: me)
        try registry.setValue(hklmsub1, "subval1", type: .string, data: sz("hklm"), as: me)
        #expect(try text(hkcrsub1, "subval1") == sz("hklm"))
        // …until the user has one: then the same handle reads and writes the user's.
        let (hkeysub1, _) = try registry.createKey(hkey, "subkey1", access: .keyAllAccess, as: me)
        try registry.setValue(hkeysub1, "subval1", type: .string, data: sz("user"), as: me)
        #expect(try text(hkcrsub1, "subval1") == sz("user"))
        try registry.setValue(hkcrsub1, "subval1", type: .string, data: sz("hkcr"), as: me)
        #expect(try text(hklmsub1, "subval1") == sz("hklm") && text(hkeysub1, "subval1") == sz("hkcr"))

        // A new subkey through HKCR is made in the machine's classes.
        let (hkcrsub2, disposition) = try registry.createKey(hkcrUser, "subkey2", access: .keyAllAccess, as: me)
        #expect(disposition == .createdNewKey && isHKCR(hkcrsub2))
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(hkey, "subkey2", access: .keyRead, as: self.me) }
        _ = try registry.openKey(hklm, "subkey2", access: .keyRead, as: me)

        // Deleting through HKCR removes the user's copy first, then the machine's.
        try registry.deleteKey(hkcrUser, "subkey1", as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(hkey, "subkey1", access: .keyRead, as: self.me) }
        _ = try registry.openKey(hklm, "subkey1", access: .keyRead, as: me)
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.queryInfoKey(hkeysub1, as: self.me) }
        try registry.deleteKey(.classesRoot, "WineTestCls\\subkey1", as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(hklm, "subkey1", access: .keyRead, as: self.me) }
    }

    /// [RH]: creating through a handle on a user-only key still creates in the machine's
    /// classes (with the key above it); a key both have opens as the user's.
    @Test func createBelowAUserOnlyKey() throws {
        _ = try registry.createKey(.currentUser, "Software\\Classes\\Apitest_HKCU", access: .keyAllAccess, as: me)
        let cr = try registry.openKey(.classesRoot, "Apitest_HKCU", access: .keyAllAccess, as: me)
        let (sub, d) = try registry.createKey(cr, "HKCR_Subkey", access: .keyAllAccess, as: me)
        #expect(d == .createdNewKey && isHKCR(sub))
        _ = try registry.openKey(.localMachine, "SOFTWARE\\Classes\\Apitest_HKCU\\HKCR_Subkey", access: .keyRead, as: me)
        let (_, d2) = try registry.createKey(.classesRoot, "Apitest_HKCU", access: .keyRead, as: me)
        #expect(d2 == .openedExistingKey)
    }

    /// [WA] test_classesroot_enum: values and subkeys enumerate the user's first, then the
    /// machine's the user lacks; once the user's copy a handle is bound to is deleted, the
    /// handle is ERROR_KEY_DELETED; reopened, it shows the machine's alone.
    @Test func mergedEnumeration() throws {
        let (hkcu, _) = try registry.createKey(.currentUser, "Software\\Classes\\WineTestCls", access: .keyAllAccess, as: me)
        var hkcr = try registry.openKey(.classesRoot, "WineTestCls", access: .keyRead, as: me)
        try registry.setValue(hkcu, "X", type: .string, data: sz("AA"), as: me)
        try registry.setValue(hkcu, "Y", type: .string, data: sz("B"), as: me)
        _ = try registry.createKey(hkcu, "A", access: .keyRead, as: me)
        _ = try registry.createKey(hkcu, "B", access: .keyRead, as: me)
        let (hklm, _) = try registry.createKey(.localMachine, "SOFTWARE\\Classes\\WineTestCls", access: .keyAllAccess, as: me)
        try registry.setValue(hklm, "X", type: .string, data: sz("AB"), as: me)
        try registry.setValue(hklm, "Z", type: .string, data: sz("C"), as: me)
        _ = try registry.createKey(hklm, "A", access: .keyRead, as: me)
        _ = try registry.createKey(hklm, "C", access: .keyRead, as: me)

        func values() throws -> [String] {
            var out: [String] = []
            var i = 0
            while let v = try? registry.enumerateValue(hkcr, index: i, as: me) { out.append(v.name.description); i += 1 }
            #expect(throws: Win32Error.noMoreItems) { _ = try self.registry.enumerateValue(hkcr, index: i, as: self.me) }
            return out
        }
        func keys() throws -> [String] {
            var out: [String] = []
            var i = 0
            while let k = try? registry.enumerateKey(hkcr, index: i, as: me) { out.append(k.name.description); i += 1 }
            return out
        }
        #expect(try values() == ["X", "Y", "Z"] && keys() == ["A", "B", "C"])
        #expect(try registry.queryValue(hkcr, "X", as: me).data == sz("AA"))
        let info = try registry.queryInfoKey(hkcr, as: me)
        #expect(info.subkeyCount == 3 && info.valueCount == 3)

        try registry.deleteTree(.currentUser, "Software\\Classes\\WineTestCls", as: me)
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.enumerateValue(hkcr, index: 0, as: self.me) }
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.enumerateKey(hkcr, index: 0, as: self.me) }
        try registry.closeKey(hkcr, as: me)
        hkcr = try registry.openKey(.classesRoot, "WineTestCls", access: .keyRead, as: me)
        #expect(try values() == ["X", "Z"] && keys() == ["A", "C"])
    }
}
