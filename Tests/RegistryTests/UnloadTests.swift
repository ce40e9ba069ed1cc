import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// windows-semantics.md §3: loading and unloading hives, forced unloads.
final class UnloadTests {
    let dir: URL
    let registry = Registry()
    let me = Fixture.system()

    init() throws { dir = try Fixture.tempDir() }
    deinit { try? FileManager.default.removeItem(at: dir) }

    var file: String { dir.appendingPathComponent("Test.hive").path }

    /// §3.1 RegLoadKey needs SeBackupPrivilege and SeRestorePrivilege ([D-RegLoadKeyW]); held but
    /// not enabled is not enough; RegLoadKey(…, "") → ERROR_INVALID_PARAMETER ([WA]); a missing
    /// file is created ([D-RegLoadKeyW]).
    @Test func loadNeedsBothPrivilegesAndAName() throws {
        #expect(throws: Win32Error.privilegeNotHeld) { try self.registry.loadKey(.localMachine, "Test", file: self.file, as: Fixture.admin()) }
        #expect(throws: Win32Error.privilegeNotHeld) { try self.registry.loadKey(.users, "Test", file: self.file, as: Fixture.user()) }
        #expect(throws: Win32Error.invalidParameter) { try self.registry.loadKey(.localMachine, "", file: self.file, as: self.me) }
        #expect(!FileManager.default.fileExists(atPath: file))
        try registry.loadKey(.localMachine, "Test", file: file, as: me)
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(registry.loadedHives == ["\\REGISTRY\\MACHINE\\Test"])
        #expect(throws: Win32Error.privilegeNotHeld) { try self.registry.unloadKey(.localMachine, "Test", as: Fixture.admin()) }
        // The loaded file is locked (Windows holds hive files open exclusively): a second load fails.
        #expect(throws: Win32Error.sharingViolation) { try self.registry.loadKey(.users, "Again", file: self.file, as: self.me) }
    }

    /// §3.1 [WA] test_reg_load_key, [RL]: unloading while a handle into the hive is open →
    /// STATUS_CANNOT_DELETE → ERROR_ACCESS_DENIED; the handle still works; after it is closed the
    /// unload succeeds, and a value set before the unload is there after a reload (flushed first).
    @Test func unloadRefusedWhileReferencedThenPersists() throws {
        try registry.loadKey(.localMachine, "Test", file: file, as: me)
        let (h, _) = try registry.createKey(.localMachine, "Test\\Sub", access: .keyAllAccess, as: me)
        try registry.setValue(h, "kept", type: .dword, data: [7, 0, 0, 0], as: me)
        #expect(throws: Win32Error.accessDenied) { try self.registry.unloadKey(.localMachine, "Test", as: self.me) }
        try registry.flushKey(h, as: me)  // [RL] 2: NtFlushKey still succeeds
        try registry.setValue(h, "also", type: .dword, data: [8, 0, 0, 0], as: me)  // not flushed explicitly
        try registry.closeKey(h, as: me)
        try registry.unloadKey(.localMachine, "Test", as: me)
        #expect(registry.loadedHives.isEmpty)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(.localMachine, "Test", access: .keyRead, as: self.me) }
        try registry.loadKey(.localMachine, "Test", file: file, as: me)
        let again = try registry.openKey(.localMachine, "Test\\Sub", access: .keyRead, as: me)
        #expect(try registry.queryValue(again, "kept", as: me).data == [7, 0, 0, 0])
        #expect(try registry.queryValue(again, "also", as: me).data == [8, 0, 0, 0])
        // The file is a sound hive on its own, too.
        try registry.closeKey(again, as: me)
        try registry.unloadKey(.localMachine, "Test", as: me)
        let hive = try Hive.open(path: file, logs: .besideHive).hive
        #expect(hive.check().problems.isEmpty)
    }

    /// §3.2 [RL] on Windows: REG_FORCE_UNLOAD succeeds with a handle open; the leaked handle then
    /// fails (STATUS_HIVE_UNLOADED on Win7+, ERROR_KEY_DELETED for Win32 callers [KCOM]); close
    /// succeeds; forcing again on the unloaded name → STATUS_INVALID_PARAMETER.
    @Test func forcedUnloadTurnsReferencesDeleted() throws {
        try registry.loadKey(.users, "Test", file: file, as: me)
        let (h, _) = try registry.createKey(.users, "Test\\Software", access: .keyAllAccess, as: me)
        let (v, _) = try registry.createKey(.users, "Test\\Volatile", options: .volatile, access: .keyAllAccess, as: me)
        try registry.unloadKey(.users, "Test", force: true, as: me)
        #expect(throws: Win32Error.keyDeleted) { try self.registry.flushKey(h, as: self.me) }
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.queryValue(h, "x", as: self.me) }
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.openKey(h, "", access: .keyRead, as: self.me) }
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.enumerateKey(v, index: 0, as: self.me) }
        #expect(throws: Win32Error.invalidParameter) { try self.registry.unloadKey(.users, "Test", force: true, as: self.me) }
        try registry.closeKey(h, as: me)
        try registry.closeKey(v, as: me)
        // Loading it again gives a new hive; the volatile key did not survive.
        try registry.loadKey(.users, "Test", file: file, as: me)
        _ = try registry.openKey(.users, "Test\\Software", access: .keyRead, as: me)
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(.users, "Test\\Volatile", access: .keyRead, as: self.me) }
    }

    /// §3.1 [WA]: a system hive (HKU\.DEFAULT) cannot be unloaded → ERROR_ACCESS_DENIED; a name
    /// that is not a loaded hive → ERROR_INVALID_PARAMETER ([RL] for the forced case).
    @Test func systemHivesStay() throws {
        try registry.mountHive(file: nil, at: "\\REGISTRY\\USER\\.DEFAULT", system: true)
        #expect(throws: Win32Error.accessDenied) { try self.registry.unloadKey(.users, ".DEFAULT", as: self.me) }
        #expect(throws: Win32Error.accessDenied) { try self.registry.unloadKey(.users, ".DEFAULT", force: true, as: self.me) }
        #expect(throws: Win32Error.invalidParameter) { try self.registry.unloadKey(.users, "Nothing", as: self.me) }
        #expect(throws: Win32Error.invalidParameter) { try self.registry.loadKey(.currentUser, "X", file: self.file, as: self.me) }
    }

    /// A process's end closes its handles (as process exit does on Windows), so the hive unloads.
    @Test func processExitReleasesItsReferences() throws {
        try registry.loadKey(.users, "Test", file: file, as: me)
        let other = RegistryCaller(process: ProcessID(4242), token: Fixture.systemToken)
        for i in 0..<10 { _ = try registry.createKey(.users, "Test\\K\(i)", access: .keyRead, as: other) }
        #expect(registry.references(toHiveAt: "\\REGISTRY\\USER\\Test").count == 10)
        #expect(throws: Win32Error.accessDenied) { try self.registry.unloadKey(.users, "Test", as: self.me) }
        registry.processExited(other.process)
        #expect(registry.handleCount(of: other.process) == 0)
        try registry.unloadKey(.users, "Test", as: me)
    }
}
