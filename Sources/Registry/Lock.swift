#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex. Synchronization's `Mutex` waits on a futex directly, which
/// ThreadSanitizer cannot see, so every access under it looked like a race; a pthread mutex
/// costs the same uncontended and keeps scripts/tsan meaningful.
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<R>(_ body: (Value) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(value)
    }
}
