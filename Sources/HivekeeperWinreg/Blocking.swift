#if canImport(Glibc)
import Glibc
#endif
import RegistryClient

/// One answer handed from the task that computes it to the C thread that waits for it: a pthread
/// mutex and condition (ThreadSanitizer sees both), used once.
final class Rendezvous<Value: Sendable>: @unchecked Sendable {  // `value` is touched only under `mutex`
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: Value?

    init() {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func put(_ v: Value) {
        pthread_mutex_lock(mutex)
        value = v
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    func take() -> Value {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let v = value { return v }
            pthread_cond_wait(condition, mutex)
        }
    }
}

/// Runs `body` (the daemon round trips of one C call) and blocks the calling C thread until it
/// is done. The task runs on the client's I/O thread, so its reply resumes it there with no
/// further hop; no lock is held while it waits, so any number of C threads call at once.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let answer = Rendezvous<T>()
    Task(executorPreference: RegistryClient.executor) { answer.put(await body()) }
    return answer.take()
}
