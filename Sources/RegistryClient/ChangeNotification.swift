import Foundation
import Registry

/// One RegNotifyChangeKeyValue registration made through the daemon: it completes once, with the
/// NTSTATUS its wait ends with — STATUS_NOTIFY_ENUM_DIR for a change, STATUS_NOTIFY_CLEANUP when
/// the handle closed (or the connection did), STATUS_CANCELLED when the registering thread ended,
/// STATUS_KEY_DELETED / STATUS_HIVE_UNLOADED when the key went (docs/live-registry.md,
/// "Notifications"). Register again for the next change, as on Windows.
public final class ChangeNotification: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: NTStatus?
    private var waiters: [Int: CheckedContinuation<NTStatus?, Never>] = [:]
    /// The timeouts' sleeping tasks, cancelled when the wait ends first.
    private var timers: [Int: Task<Void, Never>] = [:]
    private var nextWaiter = 0

    init() {}

    /// The status, once signalled (nil while pending).
    public var status: NTStatus? { lock.withLock { outcome } }

    /// Waits until the registration is signalled and returns its status; nil when `timeout`
    /// passes first (the registration stays pending).
    public func wait(timeout: Duration? = nil) async -> NTStatus? {
        await withCheckedContinuation { (c: CheckedContinuation<NTStatus?, Never>) in
            let token: Int? = lock.withLock {
                if outcome != nil { return nil }
                nextWaiter += 1
                waiters[nextWaiter] = c
                return nextWaiter
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
                lock.withLock { if waiters[token] != nil { timers[token] = timer } else { timer.cancel() } }
            }
        }
    }

    /// Signals every waiter, once.
    func complete(_ status: NTStatus) {
        let (woken, sleeping) = lock.withLock { () -> ([CheckedContinuation<NTStatus?, Never>], [Task<Void, Never>]) in
            guard outcome == nil else { return ([], []) }
            outcome = status
            defer { waiters = [:]; timers = [:] }
            return (Array(waiters.values), Array(timers.values))
        }
        for t in sleeping { t.cancel() }
        for c in woken { c.resume(returning: status) }
    }

    private func expire(_ token: Int) {
        lock.withLock { timers[token] = nil; return waiters.removeValue(forKey: token) }?.resume(returning: nil)
    }
}
