import Foundation

/// Keeps a held store lease renewed, on a thread of its own, while its holder works (an upload
/// longer than the lease keeps it): every quarter of the lifetime, each renewal only before the
/// lease comes within its margin of expiring. A renewal that finds the lease lost stops there;
/// the holder learns it at its next `check()`, before it writes.
public final class LeaseKeeper: @unchecked Sendable {  // its state is guarded by `condition` (the thread sleeps on it)
    private let condition = NSCondition()
    private var lease: StoreLease
    private var lost: LeaseLost?
    private var stopping = false
    private var finished = false

    private let store: any RoamingStore
    private let user: String
    private let now: @Sendable () -> Date

    public init(store: any RoamingStore, user: String, lease: StoreLease, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.user = user
        self.lease = lease
        self.now = now
        let thread = Thread { [self] in run() }
        thread.name = "store lease \(user)"
        thread.start()
    }

    private func run() {
        let interval = max(lease.lifetime / 4, 0.01)
        condition.lock()
        var next = Date().addingTimeInterval(interval)
        while !stopping && lost == nil {
            if condition.wait(until: next) || stopping { continue }
            next = Date().addingTimeInterval(interval)
            let current = lease
            condition.unlock()
            var renewed: StoreLease?, failure: LeaseLost?
            do {
                renewed = try store.renew(user, current, now: now())
            } catch let e as LeaseLost {
                failure = e
            } catch {
                // The store did not answer: tried again next time; the margin decides whether
                // the lease is still good.
            }
            condition.lock()
            if let renewed { lease = renewed }
            if let failure { lost = failure }
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The lease as last renewed.
    public var current: StoreLease { condition.withLock { lease } }

    /// Throws `LeaseLost` unless the lease is still the lock with more than its margin left
    /// (the renewal thread found it lost, or the store says so now).
    public func check() throws {
        let (l, failure) = condition.withLock { (lease, lost) }
        if let failure { throw failure }
        try store.check(user, l, now: now())
    }

    /// Stops renewing (waiting for a renewal under way) and gives back the last lease.
    @discardableResult
    public func stop() -> StoreLease {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        return lease
    }
}
