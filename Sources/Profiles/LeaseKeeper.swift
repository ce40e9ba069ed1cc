import Foundation
import Locking

/// Keeps a held store lease renewed while its holder works (an upload longer than the lease
/// keeps it): a task that wakes every quarter of the lifetime on the injected clock (`sleep`)
/// and renews, each renewal only before the lease comes within its margin of expiring (the
/// store's calls on threads of their own). A renewal that finds the lease lost stops there;
/// the holder learns it at its next `check()`, before it writes.
public final class LeaseKeeper: Sendable {
    private struct State {
        var lease: StoreLease
        var lost: LeaseLost?
    }

    private let state: Locked<State>
    private let renewals: Task<Void, Never>
    private let store: any RoamingStore
    private let user: String
    private let now: @Sendable () -> Date

    /// - Parameter sleep: how the time between renewals passes (tests step it; it throws when
    ///   the keeper is stopped).
    public init(store: any RoamingStore, user: String, lease: StoreLease, now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        let state = Locked(State(lease: lease))
        self.state = state
        self.store = store
        self.user = user
        self.now = now
        let interval = Duration.seconds(max(lease.lifetime / 4, 0.01))
        renewals = Task {
            while !Task.isCancelled {
                do {
                    try await sleep(interval)
                } catch {
                    return  // stopped
                }
                guard !Task.isCancelled else { return }
                let current = state.withLock { $0.lease }
                do {
                    let renewed = try await store.renew(user, current, now: now())
                    state.withLock { $0.lease = renewed }
                } catch let lost as LeaseLost {
                    state.withLock { $0.lost = lost }
                    return
                } catch {
                    // The store did not answer: tried again next time; the margin decides
                    // whether the lease is still good.
                }
            }
        }
    }

    /// The lease as last renewed.
    public var current: StoreLease { state.withLock { $0.lease } }

    /// Throws `LeaseLost` unless the lease is still the lock with more than its margin left
    /// (a renewal found it lost, or the store says so now).
    public func check() async throws {
        let (l, failure) = state.withLock { ($0.lease, $0.lost) }
        if let failure { throw failure }
        try await store.check(user, l, now: now())
    }

    /// Stops renewing (waiting for a renewal under way) and gives back the last lease.
    @discardableResult
    public func stop() async -> StoreLease {
        renewals.cancel()
        await renewals.value
        return current
    }
}
