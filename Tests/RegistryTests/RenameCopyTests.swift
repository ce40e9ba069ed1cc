import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// RegRenameKey, RegCopyTree, RegGetKeySecurity / RegSetKeySecurity (docs/live-registry.md,
/// "Rename, copy, security").
final class RenameCopyTests {
    let dir: URL
    let registry: Registry
    let me = Fixture.system()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    private func dword(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// [D-RegRenameKey]: NULL subkey renames the handle's key; handles follow the key; the old
    /// name is gone; a taken name is refused (ERROR_ALREADY_EXISTS, our choice); a handle
    /// without KEY_WRITE is ERROR_ACCESS_DENIED. A name long enough to move the nk keeps the
    /// subtree (children re-pointed) and survives a reload of the hive file.
    @Test func renameKeepsHandlesAndSubtree() throws {
        let (app, _) = try registry.createKey(.users, Fixture.userSID.description + "\\Software\\Old", access: .keyAllAccess, as: me)
        let (child, _) = try registry.createKey(app, "Child", access: .keyAllAccess, as: me)
        try registry.setValue(child, "v", type: .dword, data: dword(7), as: me)
        _ = try registry.createKey(.users, Fixture.userSID.description + "\\Software\\Taken", access: .keyRead, as: me)
        let software = try registry.openKey(.users, Fixture.userSID.description + "\\Software", access: .keyAllAccess, as: me)

        #expect(throws: Win32Error.alreadyExists) { try self.registry.renameKey(app, to: "taken", as: self.me) }
        let readOnly = try registry.openKey(software, "Old", access: .keyRead, as: me)
        #expect(throws: Win32Error.accessDenied) { try self.registry.renameKey(readOnly, to: "X", as: self.me) }
        #expect(throws: Win32Error.invalidParameter) { try self.registry.renameKey(app, to: "a\\b", as: self.me) }

        let longName = String(repeating: "Renamed", count: 30)  // 210 characters: the nk cannot stay where it is
        try registry.renameKey(software, "Old", to: longName, as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(software, "Old", access: .keyRead, as: self.me) }
        #expect(try registry.queryValue(child, "v", as: me).data == dword(7))  // the open handle still works
        let reopened = try registry.openKey(software, longName + "\\Child", access: .keyRead, as: me)
        #expect(try registry.queryValue(reopened, "v", as: me).data == dword(7))
        try registry.renameKey(app, to: "Short", as: me)  // and back to a short name, through the handle

        #expect(try registry.enumerateKey(app, index: 0, as: me).name == "Child")

        // Subkeys are listed in order under the new name: Short sorts before Taken.
        var names: [String] = []
        var i = 0
        while let k = try? registry.enumerateKey(software, index: i, as: me) { names.append(k.name.description); i += 1 }
        #expect(names == ["Short", "Taken"])

        // What is on disk is a hive our reader and its checker accept, with the new name.
        try registry.unloadHive(at: Fixture.userPath, force: true)  // flushed first
        let hive = try Hive.open(path: dir.appendingPathComponent("NTUSER.DAT").path, logs: .besideHive).hive
        _ = try hive.checkConsistency()
        let k = try hive.key(path: "Software\\Short\\Child")
        #expect(try hive.value(of: k, named: RegistryName("v")) != nil)
    }

    /// The caller needs DELETE on every key of the subtree ([D-RegRenameKey]).
    @Test func renameNeedsDeleteOnTheSubtree() throws {
        let userKey = Fixture.userSID.description + "\\Software\\Guarded"
        let (top, _) = try registry.createKey(.users, userKey, access: .keyAllAccess, as: me)
        let noDelete = try SecurityDescriptor(sddl: "O:SYG:SYD:P(A;;KR;;;SY)")
        _ = try registry.createKey(top, "Locked", access: .keyRead, security: noDelete, as: me)
        #expect(throws: Win32Error.accessDenied) { try self.registry.renameKey(top, to: "Moved", as: self.me) }
        #expect(throws: Win32Error.fileNotFound) { try self.registry.renameKey(.users, "nope", to: "x", as: self.me) }
    }

    /// [WA] test_reg_copy_tree: a missing source subkey is ERROR_FILE_NOT_FOUND; copying a subkey
    /// puts its values in the destination; copying the whole tree merges over what is there.
    @Test func copyTreeAsWineTestsIt() throws {
        let base = Fixture.userSID.description + "\\Software\\Wine\\Test"
        let (src, _) = try registry.createKey(.users, base + "\\src", access: .keyAllAccess, as: me)
        let (dst, _) = try registry.createKey(.users, base + "\\dst", access: .keyAllAccess, as: me)
        #expect(throws: Win32Error.fileNotFound) { try self.registry.copyTree(src, "nonexistent_subkey", to: dst, as: self.me) }
        try registry.setValue(src, "", type: .string, data: Array("data\0".utf16LE), as: me)
        try registry.setValue(src, "value", type: .string, data: Array("data2\0".utf16LE), as: me)
        let (sub2, _) = try registry.createKey(src, "subkey2", className: "cls", access: .keyAllAccess, as: me)
        try registry.setValue(sub2, "", type: .string, data: Array("data3\0".utf16LE), as: me)
        try registry.setValue(sub2, "value", type: .string, data: Array("data4\0".utf16LE), as: me)
        _ = try registry.createKey(src, "subkey3", options: .volatile, access: .keyRead, as: me)

        try registry.copyTree(src, "subkey2", to: dst, as: me)
        #expect(try registry.queryValue(dst, "", as: me).data == Array("data3\0".utf16LE))
        #expect(try registry.queryValue(dst, "value", as: me).data == Array("data4\0".utf16LE))

        try registry.copyTree(src, to: dst, as: me)
        #expect(try registry.queryValue(dst, "", as: me).data == Array("data\0".utf16LE))
        #expect(try registry.queryValue(dst, "value", as: me).data == Array("data2\0".utf16LE))
        let copied = try registry.openKey(dst, "subkey2", access: .keyRead, as: me)
        #expect(try registry.queryValue(copied, "value", as: me).data == Array("data4\0".utf16LE))
        #expect(try registry.queryInfoKey(copied, as: me).className == "cls")
        _ = try registry.openKey(dst, "subkey3", access: .keyRead, as: me)

        // Into its own subtree: the source is read first, so this ends with one copy inside.
        try registry.copyTree(src, to: sub2, as: me)
        _ = try registry.openKey(sub2, "subkey2", access: .keyRead, as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(sub2, "subkey2\\subkey2", access: .keyRead, as: self.me) }
    }

    /// [D-RegCopyTree]: KEY_READ on the source, KEY_CREATE_SUB_KEY on the destination; the
    /// security descriptors come along.
    @Test func copyTreeRightsAndSecurity() throws {
        let base = Fixture.userSID.description + "\\Software"
        let (src, _) = try registry.createKey(.users, base + "\\S", access: .keyAllAccess, as: me)
        let own = try SecurityDescriptor(sddl: "O:SYG:SYD:P(A;;KA;;;SY)(A;;KR;;;WD)")
        _ = try registry.createKey(src, "Guarded", access: .keyRead, security: own, as: me)
        let (dstFull, _) = try registry.createKey(.users, base + "\\D", access: .keyAllAccess, as: me)
        let dstRead = try registry.openKey(.users, base + "\\D", access: .keyRead, as: me)
        let srcNoRead = try registry.openKey(.users, base + "\\S", access: .setValue, as: me)
        #expect(throws: Win32Error.accessDenied) { try self.registry.copyTree(src, to: dstRead, as: self.me) }
        #expect(throws: Win32Error.accessDenied) { try self.registry.copyTree(srcNoRead, to: dstFull, as: self.me) }
        try registry.copyTree(src, to: dstFull, as: me)
        let guarded = try registry.openKey(dstFull, "Guarded", access: .readControl, as: me)
        #expect(try registry.keySecurity(guarded, as: me) == own)
    }

    /// RegSetKeySecurity needs WRITE_DAC (and WRITE_OWNER for a new owner); the descriptor then
    /// decides access.
    @Test func setKeySecurity() throws {
        let (k, _) = try registry.createKey(.users, Fixture.userSID.description + "\\Software\\Sec", access: .keyAllAccess, as: me)
        let readOnly = try registry.openKey(k, "", access: .keyRead, as: me)
        let locked = try SecurityDescriptor(sddl: "O:SYG:SYD:P(A;;KR;;;SY)")
        #expect(throws: Win32Error.accessDenied) { try self.registry.setKeySecurity(readOnly, locked, as: self.me) }
        try registry.setKeySecurity(k, locked, as: me)
        #expect(try registry.keySecurity(k, as: me) == locked)
        #expect(throws: Win32Error.accessDenied) { _ = try self.registry.openKey(k, "", access: .setValue, as: self.me) }
    }
}

extension String {
    /// The string's UTF-16LE bytes.
    var utf16LE: [UInt8] { utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
}
