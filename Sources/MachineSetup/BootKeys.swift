import Profiles
import Registry

extension Machine {
    /// What Windows' kernel makes at boot so that HKLM\SYSTEM\CurrentControlSet and
    /// HKEY_CURRENT_CONFIG resolve (docs/live-registry.md, "HKEY_CURRENT_CONFIG"). Real SYSTEM
    /// hives store neither (the corpus's Windows 10 ones: no CurrentControlSet at the root, no
    /// Hardware Profiles\Current): both are volatile links made at each start —
    /// CurrentControlSet → ControlSet00N, N from Select\Current, and that set's
    /// Hardware Profiles\Current → Hardware Profiles\0001. A SYSTEM hive without Select (a new
    /// machine) first gets what those hives store: Select (Current, Default, LastKnownGood 1;
    /// Failed 0) and ControlSet001\Hardware Profiles\0001 with Software and System.
    func makeBootKeys() throws(Win32Error) {
        let system = "\\REGISTRY\\MACHINE\\SYSTEM"
        let me = setUpCaller
        let root = try registry.openKey(.localMachine, "SYSTEM", access: .keyAllAccess, as: me)
        defer { try? registry.closeKey(root, as: me) }
        let n: UInt32
        if let current = currentControlSet(root) {
            n = current
        } else {
            n = 1
            let (select, _) = try registry.createKey(root, "Select", access: .setValue, as: me)
            defer { try? registry.closeKey(select, as: me) }
            for (name, value) in [("Current", 1), ("Default", 1), ("Failed", 0), ("LastKnownGood", 1)] as [(String, UInt8)] {
                try registry.setValue(select, name, type: .dword, data: [value, 0, 0, 0], as: me)
            }
            for sub in ["Software", "System"] {
                let (k, _) = try registry.createKey(root, "ControlSet001\\Hardware Profiles\\0001\\" + sub, access: .keyRead, as: me)
                try? registry.closeKey(k, as: me)
            }
        }
        let set = "ControlSet" + (n < 10 ? "00" : n < 100 ? "0" : "") + String(n)
        try registry.makeVolatileLink(root, "CurrentControlSet", to: "\(system)\\\(set)", as: me)
        try registry.makeVolatileLink(root, set + "\\Hardware Profiles\\Current", to: "\(system)\\\(set)\\Hardware Profiles\\0001", as: me)
    }

    /// Select\Current: the control set this start uses (1 when the value is missing or not a DWORD
    /// in 1…999); nil when there is no Select key.
    private func currentControlSet(_ root: KeyHandle) -> UInt32? {
        guard let select = try? registry.openKey(root, "Select", access: .queryValue, as: setUpCaller) else { return nil }
        defer { try? registry.closeKey(select, as: setUpCaller) }
        guard let v = try? registry.queryValue(select, "Current", as: setUpCaller), v.type == .dword, v.data.count == 4 else { return 1 }
        let n = UInt32(v.data[0]) | UInt32(v.data[1]) << 8 | UInt32(v.data[2]) << 16 | UInt32(v.data[3]) << 24
        return (1...999).contains(n) ? n : 1
    }
}
