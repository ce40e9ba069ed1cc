import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// Symbolic links and HKEY_CURRENT_CONFIG (docs/live-registry.md, "Symbolic links").
final class LinkTests {
    let dir: URL
    let registry: Registry
    let me = Fixture.system()
    let base = Fixture.userSID.description + "\\Software\\Wine\\Test"

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    private func link(_ target: String) -> [UInt8] { Array(target.utf16LE) }  // REG_LINK: UTF-16, no terminator
    private func dword(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// [WA] test_symlinks, step by step.
    @Test func wineSymlinkSequence() throws {
        let (main, _) = try registry.createKey(.users, base, access: .keyAllAccess, as: me)
        let target = Fixture.userPath + "\\Software\\Wine\\Test\\target"
        let (linkKey, _) = try registry.createKey(main, "link", options: .createLink, access: .keyAllAccess, as: me)
        // A link holds SymbolicLinkValue as REG_LINK and nothing else.
        #expect(throws: Win32Error.accessDenied) {
            try self.registry.setValue(linkKey, "SymbolicLinkValue", type: .string, data: Array("foobar\0".utf8), as: self.me)
        }
        try registry.setValue(linkKey, "SymbolicLinkValue", type: .link, data: link(target), as: me)
        #expect(throws: Win32Error.accessDenied) {
            try self.registry.setValue(linkKey, "link", type: .link, data: self.link(target), as: self.me)
        }
        // The target does not exist yet.
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(main, "link", access: .keyRead, as: self.me) }
        let (t, _) = try registry.createKey(main, "target", access: .keyAllAccess, as: me)
        try registry.setValue(t, "value", type: .dword, data: dword(0xBEEF), as: me)
        // Through the link: the target's values, not the link's.
        let through = try registry.openKey(main, "link", access: .keyRead, as: me)
        #expect(try registry.queryValue(through, "value", as: me).data == dword(0xBEEF))
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.queryValue(through, "SymbolicLinkValue", as: self.me) }
        // REG_LINK values are allowed in keys that are not links (and mean nothing there).
        try registry.setValue(t, "SymbolicLinkValue", type: .link, data: link(target), as: me)
        try registry.deleteValue(t, "SymbolicLinkValue", as: me)
        // RegCreateKeyEx on the link opens the target too.
        let (created, disposition) = try registry.createKey(main, "link", access: .keyRead, as: me)
        #expect(disposition == .openedExistingKey)
        #expect(try registry.queryValue(created, "value", as: me).data == dword(0xBEEF))
        // REG_OPTION_OPEN_LINK opens the link itself, with open and with create.
        let itself = try registry.openKey(main, "link", access: .keyRead, options: .openLink, as: me)
        #expect(try registry.queryValue(itself, "SymbolicLinkValue", as: me).data == link(target))
        let (itself2, _) = try registry.createKey(main, "link", options: .openLink, access: .keyRead, as: me)
        #expect(try registry.queryValue(itself2, "SymbolicLinkValue", as: me).type == .link)
        // Creating a link where a key is: ERROR_ALREADY_EXISTS, with or without OPEN_LINK.
        #expect(throws: Win32Error.alreadyExists) {
            _ = try self.registry.createKey(main, "link", options: .createLink, access: .keyAllAccess, as: self.me)
        }
        #expect(throws: Win32Error.alreadyExists) {
            _ = try self.registry.createKey(main, "link", options: [.createLink, .openLink], access: .keyAllAccess, as: self.me)
        }
        // Deleting by name follows the link: once the target is gone, there is nothing to delete.
        try registry.deleteKey(main, "target", as: me)
        #expect(throws: Win32Error.fileNotFound) { try self.registry.deleteKey(main, "link", as: self.me) }
        // The link itself goes through a handle opened on it.
        try registry.deleteKey(linkKey, "", as: me)
        #expect(throws: Win32Error.fileNotFound) {
            _ = try self.registry.openKey(main, "link", access: .keyRead, options: .openLink, as: self.me)
        }
    }

    /// Paths go on through links in the middle, volatile links work, and a link survives its hive
    /// being written and reloaded (KEY_SYM_LINK is in the nk).
    @Test func linksInPathsAndOnDisk() throws {
        let (main, _) = try registry.createKey(.users, base, access: .keyAllAccess, as: me)
        let (real, _) = try registry.createKey(main, "real\\inner", access: .keyAllAccess, as: me)
        try registry.setValue(real, "x", type: .dword, data: dword(1), as: me)
        let (l, _) = try registry.createKey(main, "alias", options: .createLink, access: .keyAllAccess, as: me)
        try registry.setValue(l, "SymbolicLinkValue", type: .link, data: link(Fixture.userPath + "\\Software\\Wine\\Test\\real"), as: me)
        let (v, _) = try registry.createKey(.localMachine, "SOFTWARE\\VolatileAlias", options: [.createLink, .volatile],
                                            access: .keyAllAccess, as: me)
        try registry.setValue(v, "SymbolicLinkValue", type: .link, data: link(Fixture.userPath + "\\Software\\Wine\\Test\\alias"), as: me)
        let deep = try registry.openKey(.localMachine, "SOFTWARE\\VolatileAlias\\inner", access: .keyRead, as: me)
        #expect(try registry.queryValue(deep, "x", as: me).data == dword(1))
        // Creating through a link creates at the target.
        _ = try registry.createKey(main, "alias\\made", access: .keyRead, as: me)
        _ = try registry.openKey(main, "real\\made", access: .keyRead, as: me)

        try registry.unloadHive(at: Fixture.userPath, force: true)  // flushed first; the handles above turn deleted
        try registry.mountHive(file: dir.appendingPathComponent("NTUSER.DAT").path, at: Fixture.userPath)
        let again = try registry.openKey(.users, base + "\\alias\\inner", access: .keyRead, as: me)
        #expect(try registry.queryValue(again, "x", as: me).data == dword(1))
    }

    /// A chain longer than Windows' 32 reparses (OBJ_MAX_REPARSE_ATTEMPTS), or a loop, does not
    /// resolve: ERROR_FILE_NOT_FOUND. 32 links in a row still do.
    @Test func chainLimit() throws {
        let (main, _) = try registry.createKey(.users, base, access: .keyAllAccess, as: me)
        _ = try registry.createKey(main, "end", access: .keyRead, as: me)
        var next = Fixture.userPath + "\\Software\\Wine\\Test\\end"
        for i in 1...33 {
            let (l, _) = try registry.createKey(main, "L\(i)", options: .createLink, access: .keyAllAccess, as: me)
            try registry.setValue(l, "SymbolicLinkValue", type: .link, data: link(next), as: me)
            next = Fixture.userPath + "\\Software\\Wine\\Test\\L\(i)"
        }
        _ = try registry.openKey(main, "L32", access: .keyRead, as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(main, "L33", access: .keyRead, as: self.me) }
        let (loop, _) = try registry.createKey(main, "Loop", options: .createLink, access: .keyAllAccess, as: me)
        try registry.setValue(loop, "SymbolicLinkValue", type: .link, data: link(Fixture.userPath + "\\Software\\Wine\\Test\\Loop"), as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(main, "Loop", access: .keyRead, as: self.me) }
        // A link without a target does not resolve either.
        _ = try registry.createKey(main, "Empty", options: .createLink, access: .keyRead, as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(main, "Empty\\x", access: .keyRead, as: self.me) }
    }

    /// HKEY_CURRENT_CONFIG is \REGISTRY\MACHINE\SYSTEM\CurrentControlSet\Hardware Profiles\Current,
    /// through the CurrentControlSet link as Windows makes it; ERROR_FILE_NOT_FOUND without one.
    @Test func currentConfig() throws {
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(.currentConfig, "Software", access: .keyRead, as: self.me) }
        try registry.mountHive(file: nil, at: "\\REGISTRY\\MACHINE\\SYSTEM", system: true)
        let (profile, _) = try registry.createKey(.localMachine, "SYSTEM\\ControlSet001\\Hardware Profiles\\0001\\Software",
                                                  access: .keyAllAccess, as: me)
        try registry.setValue(profile, "Fonts", type: .dword, data: dword(96), as: me)
        let (ccs, _) = try registry.createKey(.localMachine, "SYSTEM\\CurrentControlSet", options: [.createLink, .volatile],
                                              access: .keyAllAccess, as: me)
        try registry.setValue(ccs, "SymbolicLinkValue", type: .link, data: link("\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001"), as: me)
        let (current, _) = try registry.createKey(.localMachine, "SYSTEM\\ControlSet001\\Hardware Profiles\\Current",
                                                  options: .createLink, access: .keyAllAccess, as: me)
        try registry.setValue(current, "SymbolicLinkValue", type: .link,
                              data: link("\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Hardware Profiles\\0001"), as: me)
        let sw = try registry.openKey(.currentConfig, "Software", access: .keyRead, as: me)
        #expect(try registry.queryValue(sw, "Fonts", as: me).data == dword(96))
        #expect(try registry.enumerateKey(.currentConfig, index: 0, as: me).name == "Software")
    }
}
