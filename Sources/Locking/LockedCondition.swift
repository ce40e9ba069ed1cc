#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex, with a condition variable: a thread can wait — the lock
/// released meanwhile — until the value says it may go on. `Locked`'s API, plus `wait`; every
/// change made through `withLock` wakes the waiters, which look at the value again.
public final class LockedCondition<Value>: @unchecked Sendable {  // the mutex guards `value`: every access holds it
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; then wakes every waiter.
    public func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body(&value)
    }

    /// Waits until `ready` returns something (it runs under the lock, first at once, then after
    /// each change), and returns it.
    public func wait<R>(until ready: (inout Value) -> R?) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let r = ready(&value) { return r }
            pthread_cond_wait(condition, mutex)
        }
    }
}
