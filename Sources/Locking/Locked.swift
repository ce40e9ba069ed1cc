#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex: the project's one lock type. The standard library's
/// `Synchronization.Mutex` waits on a futex directly, which ThreadSanitizer cannot see (checked
/// with Swift 6.3.1: two threads incrementing under a `Mutex` are reported as a race), so every
/// access under it would look like a race and scripts/tsan would mean nothing; a pthread mutex
/// costs the same uncontended. The API is `Mutex`'s, so moving to it later is a rename.
public final class Locked<Value>: @unchecked Sendable {  // the mutex guards `value`: every access is inside withLock
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    // The mutex is what keeps accesses exclusive: no dynamic exclusivity check on top of it.
    @usableFromInline @exclusivity(unchecked) var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock. Inlinable: a closure call through a generic
    /// function costs more than the uncontended lock itself on hot paths (offreg's walk).
    @inlinable @inline(__always)
    public func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Runs `body` with the value if the lock is free now; nil, without waiting, if it is held.
    @inlinable @inline(__always)
    public func withLockIfAvailable<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
