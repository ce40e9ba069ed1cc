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
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.expire(token)
                }
            }
        }
    }

    /// Signals every waiter, once.
    func complete(_ status: NTStatus) {
        let woken: [CheckedContinuation<NTStatus?, Never>] = lock.withLock {
            guard outcome == nil else { return [] }
            outcome = status
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for c in woken { c.resume(returning: status) }
    }

    private func expire(_ token: Int) {
        lock.withLock { waiters.removeValue(forKey: token) }?.resume(returning: nil)
    }
}
