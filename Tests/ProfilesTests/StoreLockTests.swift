import Foundation
import Locking
import Profiles
import Testing

/// The store lock protocol on a directory store (docs/roaming.md): lock files judged by their
/// content or, unreadable, by their age; leases renewed and lost.
@Suite struct StoreLockTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-lock-\(UUID().uuidString.prefix(8))")
    var store: DirectoryStore { DirectoryStore(root: root) }
    var dir: URL { root.appendingPathComponent("alice.V6") }

    func cleanUp() { try? FileManager.default.removeItem(at: root) }

    /// A lock file written as a machine that died in the middle of writing it would leave it.
    func put(_ name: String, _ bytes: [UInt8], written: Date) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = dir.appendingPathComponent(name)
        try Data(bytes).write(to: f)
        try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: f.path)
    }

    /// An empty or half-written lock file is its creator still writing it, or dead: judged by
    /// its age, never taken at once.
    @Test func anUnreadableLockIsJudgedByItsAge() async throws {
        defer { cleanUp() }
        let now = Date()
        try put("NTUSER.DAT.lock.7", [], written: now.addingTimeInterval(-5))
        let refused = try await #require(throws: StoreLocked.self) { try await store.lock("alice", owner: "me", now: now, lifetime: 120) }
        #expect(abs(refused.expires.timeIntervalSince(now.addingTimeInterval(115))) < 1, "held until its age passes the lifetime")
        try put("NTUSER.DAT.lock.7", [], written: now.addingTimeInterval(-121))
        let lease = try await store.lock("alice", owner: "me", now: now, lifetime: 120)
        #expect(lease.generation == 8)
        await store.unlock("alice", lease)

        // Half of a real lock file: its checksum fails.
        let whole = try Data(contentsOf: dir.appendingPathComponent("NTUSER.DAT.lock.8"))
        try put("NTUSER.DAT.lock.9", Array(whole.prefix(whole.count / 2)), written: now)
        await #expect(throws: StoreLocked.self) { try await store.lock("alice", owner: "me", now: now, lifetime: 120) }
        try put("NTUSER.DAT.lock.9", Array(whole.prefix(whole.count / 2)), written: now.addingTimeInterval(-200))
        #expect(try await store.lock("alice", owner: "me", now: now, lifetime: 120).generation == 10)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["NTUSER.DAT.lock.10"], "older generations cleared")
    }

    /// Two takers that read the same stale lock: one creates the next generation, the other
    /// finds it there and is refused; the stale holder's check fails.
    @Test func twoTakersOfOneStaleLock() async throws {
        defer { cleanUp() }
        let t0 = Date()
        let old = try await store.lock("alice", owner: "old", now: t0, lifetime: 60)
        let a = try await store.lock("alice", owner: "a", now: t0.addingTimeInterval(61), lifetime: 60)
        #expect(a.generation == old.generation + 1)
        await #expect(throws: StoreLocked.self) { try await store.lock("alice", owner: "b", now: t0.addingTimeInterval(61), lifetime: 60) }
        await #expect(throws: LeaseLost.self) { try await store.check("alice", old, now: t0.addingTimeInterval(1)) }
        try await store.check("alice", a, now: t0.addingTimeInterval(62))
        // Renewing the superseded lease fails and never brings its file back.
        await #expect(throws: LeaseLost.self) { try await store.renew("alice", old, now: t0.addingTimeInterval(1)) }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("NTUSER.DAT.lock.\(old.generation)").path))
    }

    /// A lease renewed by its keeper outlives its lifetime; let lapse, it is lost and another
    /// machine takes the lock; the lost holder's replace never happens. Time is a test clock:
    /// the keeper's sleeps end when the test ticks (no real waiting).
    @Test func aKeptLeaseOutlivesItsLifetimeAndALapsedOneIsLost() async throws {
        defer { cleanUp() }
        let clock = Locked(Date())
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let ticker = Ticker()
        let lease = try await store.lock("alice", owner: "one", now: now(), lifetime: 0.4)
        let keeper = LeaseKeeper(store: store, user: "alice", lease: lease, now: now, sleep: { try await ticker.sleep($0) })
        for _ in 0..<12 {  // three lifetimes, a renewal every quarter
            await ticker.tick { clock.withLock { $0 = $0.addingTimeInterval(0.1) } }
        }
        await ticker.waitUntilAsleep()  // the last renewal is done
        try await keeper.check()
        await #expect(throws: StoreLocked.self) { try await store.lock("alice", owner: "two", now: now(), lifetime: 0.4) }
        let kept = await keeper.stop()
        #expect(kept.expires > lease.expires.addingTimeInterval(0.5))

        clock.withLock { $0 = $0.addingTimeInterval(0.5) }  // no longer renewed: it expires
        let two = try await store.lock("alice", owner: "two", now: now(), lifetime: 60)
        await #expect(throws: LeaseLost.self) { try await store.check("alice", kept, now: now()) }
        let local = root.appendingPathComponent("local")
        try Data("one's copy".utf8).write(to: local)
        await #expect(throws: LeaseLost.self) {
            try await store.upload("alice", from: local, beforeReplace: { try await store.check("alice", kept, now: now()) })
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("NTUSER.DAT").path), "nothing replaced")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["NTUSER.DAT.lock.\(two.generation)"],
                "no temporary file left")
        await store.unlock("alice", two)
    }
}

/// A LeaseKeeper's clock in tests: its sleep returns when the test ticks.
actor Ticker {
    private var sleeper: CheckedContinuation<Void, any Error>?
    private var watchers: [CheckedContinuation<Void, Never>] = []

    /// The keeper's sleep: until the next tick (CancellationError when the keeper stops).
    nonisolated func sleep(_: Duration) async throws {
        try await withTaskCancellationHandler {
            try await asleep()
        } onCancel: {
            Task { await self.wake(throwing: CancellationError()) }
        }
    }

    private func asleep() async throws {
        try Task.checkCancellation()
        try await withCheckedThrowingContinuation { c in
            sleeper = c
            for w in watchers { w.resume() }
            watchers = []
        }
    }

    private func wake(throwing error: (any Error)? = nil) {
        guard let s = sleeper else { return }
        sleeper = nil
        if let error { s.resume(throwing: error) } else { s.resume() }
    }

    /// Returns once the keeper sleeps (its last renewal done).
    func waitUntilAsleep() async {
        if sleeper != nil { return }
        await withCheckedContinuation { watchers.append($0) }
    }

    /// Once the keeper sleeps: `advance` (the clock moves on), then its sleep ends.
    func tick(_ advance: @Sendable () -> Void) async {
        await waitUntilAsleep()
        advance()
        wake()
    }
}
