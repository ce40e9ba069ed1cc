import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// RegLoadAppKey (windows-semantics.md §3.3; docs/live-registry.md "Application hives").
final class AppHiveTests {
    let dir: URL
    let registry: Registry
    let user = Fixture.user()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// [WA] test_reg_load_app_key: no privilege needed, created when missing, a value set
    /// persists after the last handle closes (the hive unloads then) and a reload; no path
    /// reaches the hive; handles into it are references of kind appKey.
    /// A file that is not a hive: the error's code as Windows gives it, and a detail naming the
    /// file and why (issue 27, item 7); equal to the bare code whatever the detail.
    @Test func anUnusableFileIsNamedInTheErrorsDetail() throws {
        let file = dir.appendingPathComponent("random.dat").path
        try Data((0..<8192).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: file))
        do {
            _ = try registry.loadAppKey(file: file, access: .keyRead, as: user)
            Issue.record("a random file loaded as an app hive")
        } catch {
            #expect(error == .notRegistryFile || error == .registryCorrupt, "\(error)")
            #expect(error.detail?.hasPrefix("\(file): ") == true, "\(error.message)")
            #expect(error.message.hasPrefix("\(Win32Error(rawValue: error.rawValue)): \(file): "), "\(error.message)")
        }
    }

    @Test func loadWriteUnloadReload() throws {
        let file = dir.appendingPathComponent("app.dat").path
        let root = try registry.loadAppKey(file: file, access: [.keyRead, .keyWrite], as: user)
        #expect(FileManager.default.fileExists(atPath: file))
        let (sub, _) = try registry.createKey(root, "Settings", access: .keyAllAccess, as: user)
        try registry.setValue(sub, "x", type: .dword, data: [5, 0, 0, 0], as: user)
        let hives = registry.loadedHives.filter { $0.hasPrefix("\\REGISTRY\\A\\") }
        #expect(hives.count == 1)
        let refs = registry.references(toHiveAt: hives[0])
        #expect(refs.count == 2 && refs.allSatisfy { $0.kind == .appKey })
        // Reachable by no name: \REGISTRY\A is not in the namespace.
        #expect(throws: Win32Error.fileNotFound) { _ = try self.registry.openKey(.localMachine, "..\\A", access: .keyRead, as: Fixture.system()) }
        try registry.closeKey(sub, as: user)
        #expect(registry.isHiveLoaded(at: hives[0]))
        try registry.closeKey(root, as: user)
        #expect(!registry.isHiveLoaded(at: hives[0]))  // unloaded with its last handle
        // The file is free again (no lock held) and holds the value.
        do {  // (our reader holds the file's lock while its mapping lives)
            let hive = try Hive.open(path: file, logs: .besideHive).hive
            let k = try hive.key(path: "Settings")
            #expect(try hive.value(of: k, named: RegistryName("x")) != nil)
        }
        let again = try registry.loadAppKey(file: file, access: .keyRead, as: user)
        let s = try registry.openKey(again, "Settings", access: .keyRead, as: user)
        #expect(try registry.queryValue(s, "x", as: user).data == [5, 0, 0, 0])
    }

    /// A second load of the same file gives the loaded hive; REG_PROCESS_APPKEY keeps it to one
    /// load (ERROR_SHARING_VIOLATION, our choice of code); the root must grant what is asked.
    @Test func sharingAndAccess() throws {
        let file = dir.appendingPathComponent("shared.dat").path
        let a = try registry.loadAppKey(file: file, access: .keyAllAccess, as: user)
        let (k, _) = try registry.createKey(a, "K", access: .keyAllAccess, as: user)
        let b = try registry.loadAppKey(file: file, access: .keyRead, as: Fixture.user(301))
        _ = try registry.openKey(b, "K", access: .keyRead, as: Fixture.user(301))
        #expect(throws: Win32Error.sharingViolation) {
            _ = try self.registry.loadAppKey(file: file, access: .keyRead, options: .processAppKey, as: self.user)
        }
        let priv = dir.appendingPathComponent("private.dat").path
        _ = try registry.loadAppKey(file: priv, access: .keyRead, options: .processAppKey, as: user)
        #expect(throws: Win32Error.sharingViolation) {
            _ = try self.registry.loadAppKey(file: priv, access: .keyRead, as: Fixture.user(301))
        }
        // Keys of an app hive share its root's descriptor, which RegSetKeySecurity may not change.
        #expect(throws: Win32Error.accessDenied) {
            try self.registry.setKeySecurity(k, try SecurityDescriptor(sddl: "O:SYG:SYD:(A;;KA;;;WD)"), as: self.user)
        }
    }
}
