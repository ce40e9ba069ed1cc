#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex, with a condition variable: a thread can wait — the lock
/// released meanwhile — until the value says it may go on. `Locked`'s API, plus `wait`; every
/// change made through `withLock` wakes the waiters, which look at the value again. Time-outs
/// are on the monotonic clock (a change of the wall clock moves no deadline).
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
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
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

    /// As `wait(until:)`, giving up after `timeout`: nil then (`ready` had nothing to return).
    public func wait<R>(for timeout: Duration, until ready: (inout Value) -> R?) -> R? {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let (seconds, attoseconds) = max(timeout, .zero).components
        let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(min(seconds, 1 << 40)) + nanoseconds / 1_000_000_000  // a year is plenty; no overflow
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let r = ready(&value) { return r }
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return ready(&value) }
        }
    }
}
