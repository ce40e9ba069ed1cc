import Foundation
import HiveFormat
import MachineSetup
import Profiles
import Registry
import Security
import Testing

/// The boot-time links machine set-up makes (docs/live-registry.md "HKEY_CURRENT_CONFIG"):
/// CurrentControlSet and Hardware Profiles\Current, volatile as in Windows' own SYSTEM hives.
struct BootKeysTests {
    @Test func currentControlSetAndCurrentConfigResolve() throws {
        let w = try World()
        let me = RegistryCaller(process: ProcessID(77), token: Account.system.token)
        let registry = w.registry
        let (k, _) = try registry.createKey(.localMachine, "SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current\\Software\\Fonts",
                                            access: .keyAllAccess, as: me)
        try registry.setValue(k, "LogPixels", type: .dword, data: [0x60, 0, 0, 0], as: me)
        try registry.closeKey(k, as: me)
        // The same key three ways: HKCC, the CurrentControlSet path, and the stored one.
        for (base, path) in [(KeyHandle.currentConfig, "Software\\Fonts"),
                             (.localMachine, "SYSTEM\\ControlSet001\\Hardware Profiles\\0001\\Software\\Fonts")] {
            let h = try registry.openKey(base, path, access: .keyRead, as: me)
            #expect(try registry.queryValue(h, "LogPixels", as: me).data == [0x60, 0, 0, 0])
            try registry.closeKey(h, as: me)
        }
        let select = try registry.openKey(.localMachine, "SYSTEM\\Select", access: .keyRead, as: me)
        #expect(try registry.queryValue(select, "Current", as: me).data == [1, 0, 0, 0])
        try registry.closeKey(select, as: me)

        // Stored: Select and ControlSet001; not stored: the links (as in a real SYSTEM hive).
        try registry.flushHive(at: "\\REGISTRY\\MACHINE\\SYSTEM")
        let stored = try Hive(bytes: Data(contentsOf: w.layout.machine.appendingPathComponent("SYSTEM")))
        let root = try stored.rootKey()
        #expect(try stored.subkey(of: root, named: "Select") != nil)
        #expect(try stored.subkey(of: root, named: "CurrentControlSet") == nil)
        #expect(try stored.subkey(of: stored.key(path: "ControlSet001\\Hardware Profiles"), named: "Current") == nil)
        #expect(registry.references(toHiveAt: "\\REGISTRY\\MACHINE\\SYSTEM").filter { $0.process == ProcessID(0) }.isEmpty,
                "set-up keeps no handle open")
    }

    /// Select\Current chooses the set: a SYSTEM hive saying 2 gets CurrentControlSet → ControlSet002.
    @Test func selectCurrentChoosesTheControlSet() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-boot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = StateLayout(root: dir)
        try FileManager.default.createDirectory(at: layout.machine, withIntermediateDirectories: true)
        let e = try HiveEditor.create(path: layout.machine.appendingPathComponent("SYSTEM").path)
        let root = e.hive.baseBlock.rootCellOffset
        let select = try e.createKey(under: root, named: "Select")
        try e.setValue(of: select.offset, named: "Current", type: 4, bytes: [2, 0, 0, 0])
        var at = root
        for name in ["ControlSet002", "Hardware Profiles", "0001", "Marker"] { at = try e.createKey(under: at, named: RegistryName(name)).offset }
        try e.flush()
        e.close()

        let registry = Registry()
        let machine = Machine(registry: registry, domain: DomainIdentifier(1_111, 2_222, 3_333))
        try machine.setUp(layout)
        let me = RegistryCaller(process: ProcessID(77), token: Account.system.token)
        for (base, path) in [(KeyHandle.currentConfig, "Marker"), (.localMachine, "SYSTEM\\CurrentControlSet\\Hardware Profiles\\0001\\Marker")] {
            let k = try registry.openKey(base, path, access: .keyRead, as: me)
            try registry.closeKey(k, as: me)
        }
        #expect(throws: Win32Error.fileNotFound) { _ = try registry.openKey(.localMachine, "SYSTEM\\ControlSet001", access: .keyRead, as: me) }
    }
}
