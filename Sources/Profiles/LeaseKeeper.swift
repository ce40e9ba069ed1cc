import Foundation
import Locking

/// Keeps a held store lease renewed, on a thread of its own, while its holder works (an upload
/// longer than the lease keeps it): every quarter of the lifetime, each renewal only before the
/// lease comes within its margin of expiring. A renewal that finds the lease lost stops there;
/// the holder learns it at its next `check()`, before it writes.
public final class LeaseKeeper: Sendable {
    /// When the keeper renews.
    public enum Schedule: Sendable {
        /// Every quarter of the lease's lifetime, in real time.
        case quarterLifetime
        /// Only when `renewNow()` asks (tests: the time the store sees is the injected `now`).
        case onRequest
    }

    private struct State {
        var lease: StoreLease
        var lost: LeaseLost?
        var stopping = false
        var finished = false
        /// Renewals asked for by `renewNow`, and done.
        var asked = 0
        var done = 0
    }

    /// The renewal thread sleeps on it; `stop` and `renewNow` wait on it for that thread.
    private let state: LockedCondition<State>
    private let store: any RoamingStore
    private let user: String
    private let now: @Sendable () -> Date

    public init(store: any RoamingStore, user: String, lease: StoreLease, now: @escaping @Sendable () -> Date = { Date() },
                schedule: Schedule = .quarterLifetime) {
        self.store = store
        self.user = user
        self.now = now
        state = LockedCondition(State(lease: lease))
        let interval = Duration.seconds(max(lease.lifetime / 4, 0.01))
        let thread = Thread { [self] in run(schedule, every: interval) }
        thread.name = "store lease \(user)"
        thread.start()
    }

    private func run(_ schedule: Schedule, every interval: Duration) {
        while true {
            // The next renewal's time, or the stop.
            let renew: Bool = switch schedule {
            case .quarterLifetime: state.wait(for: interval) { $0.stopping ? false : nil } ?? true
            case .onRequest: state.wait { $0.stopping ? false : $0.asked > $0.done ? true : nil }
            }
            guard renew else { break }
            let current = state.withLock { $0.lease }
            var renewed: StoreLease?, failure: LeaseLost?
            do {
                renewed = try store.renew(user, current, now: now())
            } catch let e as LeaseLost {
                failure = e
            } catch {
                // The store did not answer: tried again next time; the margin decides whether
                // the lease is still good.
            }
            let lost = state.withLock { s in
                if let renewed { s.lease = renewed }
                if let failure { s.lost = failure }
                s.done = s.asked
                return s.lost != nil
            }
            if lost { break }
        }
        state.withLock { $0.finished = true }
    }

    /// The lease as last renewed.
    public var current: StoreLease { state.withLock { $0.lease } }

    /// Throws `LeaseLost` unless the lease is still the lock with more than its margin left
    /// (the renewal thread found it lost, or the store says so now).
    public func check() throws {
        let (l, failure) = state.withLock { ($0.lease, $0.lost) }
        if let failure { throw failure }
        try store.check(user, l, now: now())
    }

    /// Renews now (`Schedule.onRequest`), on the keeper's thread, and returns the lease once that
    /// renewal is done (as it was, when the keeper has stopped).
    @discardableResult
    public func renewNow() -> StoreLease {
        let target = state.withLock { s in
            s.asked += 1
            return s.asked
        }
        return state.wait { $0.done >= target || $0.finished ? $0.lease : nil }
    }

    /// Stops renewing (waiting for a renewal under way) and gives back the last lease.
    @discardableResult
    public func stop() -> StoreLease {
        state.withLock { $0.stopping = true }
        return state.wait { $0.finished ? $0.lease : nil }
    }
}
