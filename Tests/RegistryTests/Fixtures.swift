import Foundation
import HiveFormat
import Registry
import Security

/// Callers and a registry with a user hive mounted, for the conformance tests.
enum Fixture {
    static let userSID = try! SID(string: "S-1-5-21-1000-2000-3000-1001")
    static let userPath = "\\REGISTRY\\USER\\S-1-5-21-1000-2000-3000-1001"

    /// LocalSystem: Administrators, every privilege the registry asks about, enabled.
    static let systemToken = Token(
        user: .localSystem, groups: [.administrators: .standard, .everyone: .standard],
        privileges: [.backup: true, .restore: true, .impersonate: true])

    /// An administrator who holds the backup and restore privileges but has not enabled them.
    static let adminToken = Token(
        user: try! SID(string: "S-1-5-21-1000-2000-3000-500"),
        groups: [.administrators: .standard, .everyone: .standard], privileges: [.backup: false, .restore: false])

    /// A plain user (Users, Everyone).
    static let userToken = Token(user: userSID, groups: [try! SID(string: "S-1-5-32-545"): .standard, .everyone: .standard])

    static func system(_ pid: Int32 = 100) -> RegistryCaller { RegistryCaller(process: ProcessID(pid), token: systemToken) }
    static func admin(_ pid: Int32 = 200) -> RegistryCaller { RegistryCaller(process: ProcessID(pid), token: adminToken) }
    static func user(_ pid: Int32 = 300) -> RegistryCaller { RegistryCaller(process: ProcessID(pid), token: userToken) }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hk-reg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// A user hive's root, as Windows gives NTUSER.DAT: the user, SYSTEM and Administrators.
    static let userHiveSecurity = try! SecurityDescriptor(
        sddl: "O:\(userSID)G:\(userSID)D:P(A;CI;KA;;;\(userSID))(A;CI;KA;;;SY)(A;CI;KA;;;BA)")

    /// A registry with a file-backed user hive at `userPath` and an in-memory SOFTWARE hive.
    static func registry(in dir: URL, clock: @escaping @Sendable () -> Duration = Registry.monotonicClock()) throws -> Registry {
        let r = Registry(clock: clock)
        try r.mountHive(file: dir.appendingPathComponent("NTUSER.DAT").path, at: userPath, rootSecurity: userHiveSecurity)
        try r.mountHive(file: nil, at: "\\REGISTRY\\MACHINE\\SOFTWARE", system: true)
        return r
    }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Duration = .zero
    func advance(_ d: Duration) { lock.withLock { time += d } }
    var now: @Sendable () -> Duration { { [self] in lock.withLock { time } } }
}
