import Foundation
import HiveFormat
import MachineSetup
import Profiles
import Registry
import RegistryTypes
import Security
import Testing

/// A machine with a state directory, a directory roaming store, alice, and a service account.
final class World: @unchecked Sendable {
    let dir: URL
    let registry = Registry()
    let machine: Machine
    let layout: StateLayout
    let store: FlakyStore
    let events: EventLog
    let alice: Account
    let serviceAccount: Account
    let slept = Counter()

    /// `sleep`: how the grace period passes (at once by default).
    init(sleep: (@Sendable (Duration) async throws -> Void)? = nil, storeRoot: URL? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-prof-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        machine = Machine(registry: registry, domain: DomainIdentifier(1_111, 2_222, 3_333))
        layout = StateLayout(root: dir.appendingPathComponent("state"))
        try machine.setUp(layout)
        store = FlakyStore(DirectoryStore(root: storeRoot ?? dir.appendingPathComponent("roaming")))
        events = EventLog(file: layout.eventLog)
        alice = machine.addAccount(name: "alice", uid: 1001)
        serviceAccount = machine.addAccount(name: "contoso", uid: 990, isService: true)
        let counter = slept
        self.sleepFunction = sleep ?? { d in counter.add(d) }
    }

    let sleepFunction: @Sendable (Duration) async throws -> Void

    var policy: UnloadPolicy = .force
    var roamingConflicts: RoamingConflictPolicy = .lastWriterWins
    var machineName = "machine"
    var storeLockLifetime: Duration = .seconds(120)
    lazy var profiles = ProfileService(machine: machine, layout: layout, store: store, events: events,
                                       gracePeriod: .seconds(30), policy: policy, roamingConflicts: roamingConflicts,
                                       machineName: machineName, storeLockLifetime: storeLockLifetime, sleep: sleepFunction)

    deinit { try? FileManager.default.removeItem(at: dir) }

    var ids: [Int] { events.all.map(\.id) }

    /// Polls (bounded) until an event with `id` has been recorded.
    func waitForEvent(_ id: Int) async throws {
        for _ in 0..<2000 where !ids.contains(id) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(ids.contains(id))
    }

    func utf16z(_ s: String) -> [UInt8] { (Array(s.utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
}

/// A roaming store that can be made unreachable, or fail a number of uploads, or made to wait
/// (its hooks are async: a store that does not answer is an await that does not return).
final class FlakyStore: RoamingStore, @unchecked Sendable {  // every mutable field is accessed under `lock`
    struct Unreachable: Error {}
    let inner: DirectoryStore
    private let lock = NSLock()
    private var down = false
    private var failing = 0
    init(_ inner: DirectoryStore) { self.inner = inner }
    func setUnreachable(_ v: Bool) { lock.withLock { down = v } }
    /// Runs (once) at the start of the next upload: another machine acting meanwhile, or a store
    /// that does not answer (a hook that waits).
    private var beforeNextUpload: (@Sendable () async -> Void)?
    func beforeNextUpload(_ body: @escaping @Sendable () async -> Void) { lock.withLock { beforeNextUpload = body } }
    func failNextUploads(_ n: Int) { lock.withLock { failing = n } }
    /// Runs (once) at the start of the next stamp (a logon's first question to the store).
    private var beforeNextStamp: (@Sendable () async -> Void)?
    func beforeNextStamp(_ body: @escaping @Sendable () async -> Void) { lock.withLock { beforeNextStamp = body } }
    private func check(upload: Bool = false) throws {
        try lock.withLock {
            if down { throw Unreachable() }
            if upload, failing > 0 { failing -= 1; throw Unreachable() }
        }
    }
    /// How many times the store's copy was read whole for its hash.
    private var wholeReadCount = 0
    var wholeReads: Int { lock.withLock { wholeReadCount } }
    func copy(of user: String) async throws -> RoamingCopy? {
        try check()
        lock.withLock { wholeReadCount += 1 }
        return try await inner.copy(of: user)
    }
    func stamp(of user: String) async throws -> RoamingStamp? {
        try check()
        let hook = lock.withLock {
            defer { beforeNextStamp = nil }
            return beforeNextStamp
        }
        await hook?()
        return try await inner.stamp(of: user)
    }
    /// How many times the store's copy was downloaded.
    private var downloadCount = 0
    var downloads: Int { lock.withLock { downloadCount } }
    func download(_ user: String, to local: URL) async throws {
        try check()
        lock.withLock { downloadCount += 1 }
        try await inner.download(user, to: local)
    }
    func upload(_ user: String, from local: URL, beforeReplace: @escaping @Sendable () async throws -> Void) async throws {
        try check(upload: true)
        let hook = lock.withLock {
            defer { beforeNextUpload = nil }
            return beforeNextUpload
        }
        await hook?()
        try await inner.upload(user, from: local, beforeReplace: beforeReplace)
    }
    func location(of user: String) -> String { inner.location(of: user) }
    func lockFiles(_ user: String) throws -> any StoreLockFiles {
        try check()
        return try inner.lockFiles(user)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var durations: [Duration] = []
    func add(_ d: Duration) { lock.withLock { durations.append(d) } }
    var all: [Duration] { lock.withLock { durations } }
}

/// The seed's story (Chen, "Could I be getting ERROR_KEY_DELETED for HKCU\Software when the user
/// logs off?", 2025-01-02, and the forcing post of 2025-01-03), step by step.
struct SeedTests {
    @Test func aServiceThatImpersonatedMeetsKeyDeletedAfterLogoff() async throws {
        let w = try World()
        let registry = w.registry, machine = w.machine
        // alice logs on; her shell runs in the session.
        let session = try await w.profiles.logon(w.alice)
        let shell = machine.startProcess("/usr/bin/explorer", as: w.alice, session: session)
        // A service, told of session changes.
        let told = Counter()
        let service = machine.startService("Contoso", executable: "/usr/lib/contoso/contosod", as: w.serviceAccount) { change in
            if case .logoff = change { told.add(.zero) }
        }
        // The service impersonates her and reads HKCU\Software: its HKCU cache binds to her hive.
        let leaked: KeyHandle = try await machine.impersonate(w.alice, in: service.pid) {
            try registry.openKey(.currentUser, "Software", access: .keyRead, as: machine.caller(service.pid))
        }
        // She writes a setting, through her own process's HKCU.
        let (demo, _) = try registry.createKey(.currentUser, "Software\\Demo", access: .keyAllAccess, as: machine.caller(shell.pid))
        try registry.setValue(demo, "Color", type: .string, data: w.utf16z("blue"), as: machine.caller(shell.pid))
        // She logs off.
        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.endedProcesses == [shell.pid])
        #expect(outcome.notifiedServices == ["Contoso"] && told.all.count == 1)
        #expect(w.slept.all == [.seconds(30)])  // the grace period, passed at once by the injected sleep
        guard case let .forced(broken) = outcome.unload else {
            Issue.record("expected a forced unload, got \(outcome.unload)")
            return
        }
        #expect(outcome.uploaded)
        // The service's next query on its handle, and its open of HKCU\Software: ERROR_KEY_DELETED.
        let asService = try machine.caller(service.pid)
        #expect(throws: Win32Error.keyDeleted) { _ = try registry.queryValue(leaked, "x", as: asService) }
        #expect(throws: Win32Error.keyDeleted) { _ = try registry.openKey(.currentUser, "Software", access: .keyRead, as: asService) }
        // The leak report names the service, the key, and where the reference came from.
        let report = try #require(outcome.leakReport)
        let sid = w.alice.sid.description
        #expect(report.entries.count == 2)
        let cache = try #require(report.entries.first { $0.reference.kind == .predefinedCache })
        #expect(cache.reference.process == service.pid && cache.executable == "/usr/lib/contoso/contosod")
        #expect(cache.origin.hasPrefix("HKCU cache bound while impersonating \(sid) at "))
        let handle = try #require(report.entries.first { $0.reference.kind == .handle })
        #expect(handle.reference.keyPath == "\\REGISTRY\\USER\\\(sid)\\Software" && handle.reference.handle == leaked)
        #expect(report.lines[0] == "2 user registry handles leaked from \\REGISTRY\\USER\\\(sid), \\REGISTRY\\USER\\\(sid)_Classes:")
        #expect(broken.entries.count == 2)
        // Events in Windows' order.
        #expect(w.ids == [EventID.profileCreated, EventID.hiveLoaded, EventID.logon, EventID.logoffReceived, EventID.servicesNotified,
                          EventID.hiveStillInUse, EventID.gracePeriod, EventID.forcedUnloadBroke, EventID.hiveUnloaded,
                          EventID.synchronizeStarted, EventID.synchronizeFinished, EventID.logoffFinished])
        #expect(w.events.all.first { $0.id == 1530 }?.details == report.lines)
        // The roaming copy holds her setting.
        let roamed = try Hive(bytes: Data(contentsOf: w.dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT")))
        let value = try #require(try roamed.value(of: roamed.key(path: "Software\\Demo"), named: "Color"))
        #expect(try roamed.data(of: value).bytes == w.utf16z("blue"))
        // The JSON-lines log has every event.
        let lines = try String(contentsOf: w.layout.eventLog, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == w.ids.count && lines[5].contains("\"id\":1530"))
        // Paths in the JSON are written as they are ("/"), not escaped ("\/").
        #expect(!lines.contains { $0.contains("\\/") })
        #expect(EventLog.jsonLine(ProfileEvent(id: 1, time: Date(), level: .information, user: nil, message: "/var/lib/x"))
            .contains("\"message\":\"/var/lib/x\""))
    }

    /// A service that behaves — RegOpenCurrentUser and close, or RegDisablePredefinedCache —
    /// holds nothing at logoff: the unload is clean at once, no 1530, no wait.
    @Test func aServiceThatBehavesLetsTheLogoffFinishAtOnce() async throws {
        let w = try World()
        let registry = w.registry, machine = w.machine
        let session = try await w.profiles.logon(w.alice)
        let service = machine.startService("Polite", executable: "/usr/lib/polite", as: w.serviceAccount) { _ in }
        try await machine.impersonate(w.alice, in: service.pid) {
            let h = try machine.openCurrentUser(service.pid, access: .keyRead)
            _ = try registry.queryInfoKey(h, as: machine.caller(service.pid))
            try registry.closeKey(h, as: machine.caller(service.pid))
        }
        let other = machine.startService("AlsoPolite", executable: "/usr/lib/also", as: w.serviceAccount) { _ in }
        try machine.disablePredefinedCache(other.pid)
        try await machine.impersonate(w.alice, in: other.pid) {
            let h = try registry.openKey(.currentUser, "Software", access: .keyRead, as: machine.caller(other.pid))
            try registry.closeKey(h, as: machine.caller(other.pid))
        }
        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.unload == .clean && outcome.leakReport == nil && outcome.uploaded)
        #expect(w.slept.all.isEmpty)
        #expect(!w.ids.contains(1530))
        #expect(!registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)"))
    }

    /// Impersonating needs SeImpersonatePrivilege (a user process does not hold it).
    @Test func impersonationNeedsThePrivilege() async throws {
        let w = try World()
        let bob = w.machine.addAccount(name: "bob", uid: 1002)
        let p = w.machine.startProcess("/usr/bin/tool", as: bob)
        await #expect(throws: ProfileError.privilegeNotHeld(.impersonate)) {
            try await w.machine.impersonate(w.alice, in: p.pid) {}
        }
    }
}
