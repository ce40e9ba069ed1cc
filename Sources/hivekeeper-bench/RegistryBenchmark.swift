import HiveFormat
import Registry
import Security

/// scripts/bench-registry: the live registry's hot paths on one core (issue "The live registry"
/// goals: ≥ 2 M queries/s, ≥ 1 M 6-level path opens/s, a forced unload of a hive with 100,000
/// open handles ≤ 10 ms). Best of `runs`.
func benchmarkRegistry(runs: Int) {
    let token = Token(user: .localSystem, groups: [.administrators: .standard], privileges: [.backup: true, .restore: true])
    let me = RegistryCaller(process: ProcessID(1), token: token)
    let registry = Registry()
    // The forced unload below holds 100,000 handles in one process, over the default quota.
    registry.setQuotas(RegistryQuotas(handlesPerProcess: 200_000))
    try! registry.mountHive(file: nil, at: "\\REGISTRY\\MACHINE\\SOFTWARE")
    let deep = "SOFTWARE\\Level1\\Level2\\Level3\\Level4\\Level5"
    let (key, _) = try! registry.createKey(.localMachine, deep, access: .keyAllAccess, as: me)
    try! registry.setValue(key, "Value", type: .dword, data: [1, 2, 3, 4], as: me)
    // Siblings, so lookups search real lists.
    for i in 0..<200 { _ = try! registry.createKey(.localMachine, "SOFTWARE\\Level1\\Sibling\(i)", access: .keyRead, as: me) }

    func best(_ label: String, _ count: Int, _ body: () -> Void) -> Double {
        var fastest = Double.infinity
        for _ in 0..<runs {
            let t0 = now()
            body()
            fastest = min(fastest, now() - t0)
        }
        let rate = Double(count) / fastest
        print("\(label): \(Int(rate)) /s  (\(String(format: "%.0f", fastest / Double(count) * 1e9)) ns each)")
        return rate
    }

    let n = 2_000_000
    var buffer = [UInt8](repeating: 0, count: 16)
    _ = best("value query through an open handle", n) {
        buffer.withUnsafeMutableBytes { b in
            var type = RegistryValueType(0), size = 0
            for _ in 0..<n {
                size = b.count
                try! registry.queryValue(key, "Value", type: &type, data: b, size: &size, as: me)
            }
        }
    }
    _ = best("open by a 6-level path + close", n / 2) {
        for _ in 0..<n / 2 {
            let h = try! registry.openKey(.localMachine, deep, access: .keyRead, as: me)
            try! registry.closeKey(h, as: me)
        }
    }
    _ = best("create + set + close (new keys, in-memory hive)", n / 10) {
        let (base, _) = try! registry.createKey(.localMachine, "SOFTWARE\\Churn", access: .keyAllAccess, as: me)
        for i in 0..<n / 10 {
            let (h, _) = try! registry.createKey(base, "K\(i)", access: .keyAllAccess, as: me)
            try! registry.setValue(h, "v", type: .dword, data: [1, 0, 0, 0], as: me)
            try! registry.closeKey(h, as: me)
        }
        try! registry.closeKey(base, as: me)
        try! registry.deleteTree(.localMachine, "SOFTWARE\\Churn", as: me)
    }

    // 100,000 handles: 1,000 keys with 100 handles each, then the forced unload.
    var fastest = Double.infinity
    for run in 0..<runs {
        let path = "\\REGISTRY\\USER\\Leaky\(run)"
        try! registry.mountHive(file: nil, at: path)
        var handles: [KeyHandle] = []
        handles.reserveCapacity(100_000)
        for k in 0..<1000 {
            let (h, _) = try! registry.createKey(.users, "Leaky\(run)\\Key\(k)", access: .keyRead, as: me)
            handles.append(h)
            for _ in 1..<100 { handles.append(try! registry.openKey(h, "", access: .keyRead, as: me)) }
        }
        let t0 = now()
        try! registry.unloadHive(at: path, force: true)
        fastest = min(fastest, now() - t0)
        for h in handles { try! registry.closeKey(h, as: me) }
    }
    print("forced unload with 100,000 open handles (1,000 keys): \(String(format: "%.2f", fastest * 1000)) ms")
}
