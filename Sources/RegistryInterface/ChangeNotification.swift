import Locking

/// One RegNotifyChangeKeyValue registration: it completes once, with the NTSTATUS its wait ends
/// with — STATUS_NOTIFY_ENUM_DIR for a change, STATUS_NOTIFY_CLEANUP when the handle closed (or
/// the connection did), STATUS_CANCELLED when the registering thread ended, STATUS_KEY_DELETED /
/// STATUS_HIVE_UNLOADED when the key went (docs/live-registry.md, "Notifications"). Register
/// again for the next change, as on Windows. The in-process registry and the client both hand
/// these out (`RegistryAPI.notifyChangeKeyValue`).
public final class ChangeNotification: Sendable {
    private struct State {
        var outcome: NTStatus?
        var waiters: [Int: CheckedContinuation<NTStatus?, Never>] = [:]
        /// The timeouts' sleeping tasks, cancelled when the wait ends first.
        var timers: [Int: Task<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Locked(State())

    package init() {}

    /// The status, once signalled (nil while pending).
    public var status: NTStatus? { state.withLock { $0.outcome } }

    /// Waits until the registration is signalled and returns its status; nil when `timeout`
    /// passes first (the registration stays pending).
    public func wait(timeout: Duration? = nil) async -> NTStatus? {
        await withCheckedContinuation { (c: CheckedContinuation<NTStatus?, Never>) in
            let token: Int? = state.withLock { s in
                if s.outcome != nil { return nil }
                s.nextWaiter += 1
                s.waiters[s.nextWaiter] = c
                return s.nextWaiter
            }
            guard let token else {
                c.resume(returning: status)
                return
            }
            if let timeout {
                let timer = Task { [weak self] in
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    self?.expire(token)
                }
                state.withLock { s in if s.waiters[token] != nil { s.timers[token] = timer } else { timer.cancel() } }
            }
        }
    }

    /// Signals every waiter, once.
    package func complete(_ status: NTStatus) {
        let (woken, sleeping) = state.withLock { s -> ([CheckedContinuation<NTStatus?, Never>], [Task<Void, Never>]) in
            guard s.outcome == nil else { return ([], []) }
            s.outcome = status
            defer { s.waiters = [:]; s.timers = [:] }
            return (Array(s.waiters.values), Array(s.timers.values))
        }
        for t in sleeping { t.cancel() }
        for c in woken { c.resume(returning: status) }
    }

    private func expire(_ token: Int) {
        state.withLock { s in s.timers[token] = nil; return s.waiters.removeValue(forKey: token) }?.resume(returning: nil)
    }
}
