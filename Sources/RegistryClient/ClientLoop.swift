#if canImport(Glibc)
import Glibc
#endif
import CClientShims
import Locking

/// The process's one I/O thread for its daemon connections: an epoll loop that reads every
/// connection's replies and hands them to the waiting calls. It is also a `TaskExecutor`, so code
/// that makes many calls in a row can run *on* it (`RegistryClient.executor`): a reply then
/// resumes its task on the thread that read it, with no hop to another thread — one thread
/// drives any number of connections, as redis-benchmark's event loop does (docs/benchmarks.md).
///
/// Work run on it must be short: while a task runs here, no connection's replies are read.
final class ClientLoop: TaskExecutor, @unchecked Sendable {  // `running` and `buffer` are touched only on the loop's thread; the rest is immutable or in `state`
    static let shared = ClientLoop()

    /// Who the loop reads for: told of bytes and of the end, on the loop's thread.
    protocol Reader: AnyObject {
        /// True while a call waits for its reply.
        var awaitsReply: Bool { get }
        func received(_ bytes: UnsafeRawBufferPointer)
        func ended(_ reason: String)
    }

    private let epoll: Int32
    /// An eventfd: a count written to it ends the loop's wait (work from another thread).
    private let wake: Int32
    private struct State {
        var jobs: [UnownedJob] = []
        var sleeping = false
        var readers: [Int32: WeakReader] = [:]
    }
    private let state = Locked(State())
    /// The batch being run (swapped with `jobs`, so neither reallocates).
    private var running: [UnownedJob] = []
    private struct WeakReader { weak var reader: (any Reader)? }

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wake = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epoll >= 0 && wake >= 0, "hivekeeper client: cannot create its epoll loop (errno \(errno))")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wake
        epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event)
        // A pthread, not Foundation's Thread: the client stays free of Foundation, so the C
        // library (libhivekeeper.so) that carries it needs no Foundation inside.
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<ClientLoop>.fromOpaque(context!).takeUnretainedValue()
            hk_name_this_thread("hivekeeper-client")
            loop.run()
            return nil
        }, Unmanaged.passUnretained(self).toOpaque())
        precondition(started == 0, "hivekeeper client: cannot start its I/O thread (error \(started))")
        pthread_detach(thread)
    }

    /// True on the loop's own thread (a write there must not block: nothing else reads).
    var isCurrent: Bool { pthread_getspecific(Self.onLoop) != nil }
    /// Set (to any non-nil value) on the loop's thread only.
    private static let onLoop: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "hivekeeper client: no thread-specific key left")
        return key
    }()

    /// Starts reading `fd` for `reader` (held weakly: a client dropped without `close()` still
    /// goes away, and removes itself).
    func add(_ fd: Int32, _ reader: any Reader) {
        // Bounds the blocking read of `run()`'s fast path.
        var timeout = timeval(tv_sec: 0, tv_usec: Int(Self.blockingReadLimit * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        state.withLock { $0.readers[fd] = WeakReader(reader: reader) }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = fd
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
    }

    /// Stops reading `fd` (before it is closed, so a reused number is not mistaken for it).
    func remove(_ fd: Int32) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
        state.withLock { _ = $0.readers.removeValue(forKey: fd) }
    }

    private func poke() {
        var one: UInt64 = 1
        _ = Glibc.write(wake, &one, 8)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let mustWake = state.withLock { s -> Bool in
            s.jobs.append(unowned)
            defer { s.sleeping = false }
            return s.sleeping
        }
        if mustWake { poke() }
    }

    /// On the loop's thread, while a write waits: waits up to a millisecond for `fd` to become
    /// readable or writable and reads what arrived. False once the connection ended.
    func waitAndRead(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN | POLLOUT), revents: 0)
        guard poll(&p, 1, 1) >= 0 || errno == EINTR else { return false }
        guard p.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return true }
        guard let reader = state.withLock({ $0.readers[fd]?.reader }) else { return false }
        return read(fd, reader)
    }

    /// The longest the loop blocks in one connection's read (the fast path below), holding up
    /// jobs other threads hand it.
    static let blockingReadLimit = 0.002

    private func run() {
        pthread_setspecific(Self.onLoop, UnsafeRawPointer(bitPattern: 1))
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var blockingReadTimedOut = false
        while true {
            runJobs()
            let (idle, only) = state.withLock { s -> (Bool, (Int32, any Reader)?) in
                if !s.jobs.isEmpty { return (false, nil) }
                s.sleeping = true
                let only = s.readers.count == 1 ? s.readers.first.flatMap { e in e.value.reader.map { (e.key, $0) } } : nil
                return (true, only)
            }
            if !idle { continue }
            // The fast path: one connection, a reply awaited. The reply is polled for without
            // sleeping for up to `spinLimit` (a short call's reply comes in that time, and a
            // thread that never slept needs no waking), then waited for in recv(2), which the
            // reply itself wakes — sooner than epoll_wait(2) would. docs/benchmarks.md has the
            // measurements. The price: jobs from other threads wait up to `blockingReadLimit`.
            if let (fd, reader) = only, !blockingReadTimedOut, reader.awaitsReply {
                var n = spinRead(fd)
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { n = recv(fd, buffer.baseAddress, buffer.count, 0) }
                state.withLock { $0.sleeping = false }
                if n > 0 {
                    reader.received(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    end(fd, reader, eof: n == 0)
                } else if errno != EINTR {
                    blockingReadTimedOut = true
                }
                continue
            }
            blockingReadTimedOut = false
            let n = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), -1) }
            state.withLock { $0.sleeping = false }
            guard n > 0 else { continue }
            for i in 0..<Int(n) {
                let fd = events[i].data.fd
                if fd == wake {
                    var count: UInt64 = 0
                    _ = Glibc.read(wake, &count, 8)
                } else if let reader = state.withLock({ $0.readers[fd]?.reader }) {
                    read(fd, reader)
                }
            }
        }
    }

    /// How long the fast path polls before it sleeps: HIVEKEEPER_CLIENT_SPIN_US microseconds
    /// (default 20; 0 turns it off), and never on a machine with one CPU, where polling would
    /// only keep the daemon from answering.
    static let spinLimit: Double = {
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else { return 0 }
        let us = getenv("HIVEKEEPER_CLIENT_SPIN_US").flatMap { Double(String(cString: $0)) } ?? 20
        return max(0, min(us, 1000)) / 1_000_000
    }()

    /// Non-blocking reads of `fd` until something arrives or `spinLimit` passes; recv's result
    /// (-1 with EAGAIN when nothing came).
    private func spinRead(_ fd: Int32) -> Int {
        let limit = Self.spinLimit
        guard limit > 0 else {
            errno = EAGAIN
            return -1
        }
        let deadline = monotonicSeconds() + limit
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { return n }
            if monotonicSeconds() >= deadline {
                errno = EAGAIN
                return -1
            }
        }
    }

    private func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private func runJobs() {
        while true {
            state.withLock { swap(&$0.jobs, &running) }
            if running.isEmpty { return }
            for job in running { job.runSynchronously(on: asUnownedTaskExecutor()) }
            running.removeAll(keepingCapacity: true)
        }
    }

    private var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)

    @discardableResult
    private func read(_ fd: Int32, _ reader: any Reader) -> Bool {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                reader.received(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                return true
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return true }
            end(fd, reader, eof: n == 0)
            return false
        }
    }

    /// The connection ended (the daemon closed it, or reading failed: `errno` says why).
    private func end(_ fd: Int32, _ reader: any Reader, eof: Bool) {
        let e = errno
        remove(fd)
        reader.ended(eof ? "the connection to hivekeeperd closed" : "reading from hivekeeperd failed (errno \(e))")
    }
}
