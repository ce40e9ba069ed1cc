import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// Per-process handles and a user hive's size are bounded (docs/security.md, "Quotas"): over
/// them a call fails with ERROR_NOT_ENOUGH_QUOTA; closing and deleting always work, and a
/// write that fits in the space a delete freed goes through.
@Suite struct QuotaTests {
    @Test func handlesPerProcessAreBounded() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try Fixture.registry(in: dir)
        registry.setQuotas(RegistryQuotas(handlesPerProcess: 16))
        let user = Fixture.user()
        var handles: [KeyHandle] = []
        for _ in 0..<16 { handles.append(try registry.openKey(.users, Fixture.userSID.description, access: .keyRead, as: user)) }
        #expect(throws: Win32Error.notEnoughQuota) { _ = try registry.openKey(.users, Fixture.userSID.description, access: .keyRead, as: user) }
        // Another process has its own quota.
        _ = try registry.openKey(.users, Fixture.userSID.description, access: .keyRead, as: Fixture.user(301))
        try registry.closeKey(handles.removeLast(), as: user)
        _ = try registry.openKey(.users, Fixture.userSID.description, access: .keyRead, as: user)
    }

    @Test func aUserHiveCannotGrowPastItsQuota() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try Fixture.registry(in: dir)
        registry.setQuotas(RegistryQuotas(hiveBytes: 256 << 10))
        let user = Fixture.user()
        let root = try registry.openKey(.users, Fixture.userSID.description, access: .keyAllAccess, as: user)
        let chunk = [UInt8](repeating: 1, count: 60 << 10)
        var written = 0
        var refused: Win32Error?
        for i in 0..<64 {
            do throws(Win32Error) {
                try registry.setValue(root, "v\(i)", type: .binary, data: chunk, as: user)
                written += 1
            } catch {
                refused = error
                break
            }
        }
        #expect(refused == .notEnoughQuota && written >= 3 && written < 64)
        // Deleting is always allowed, and what it frees can be written again.
        try registry.deleteValue(root, "v0", as: user)
        try registry.setValue(root, "again", type: .binary, data: chunk, as: user)
        // The machine's own hives have no quota.
        let system = Fixture.system()
        let software = try registry.openKey(.localMachine, "SOFTWARE", access: .keyAllAccess, as: system)
        for i in 0..<8 { try registry.setValue(software, "v\(i)", type: .binary, data: chunk, as: system) }
    }
}
