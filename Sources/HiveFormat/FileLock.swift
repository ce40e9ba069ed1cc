#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Takes an advisory `flock` on `fd` without blocking for long; returns 0 or the errno.
///
/// A lock can be held for a moment by nobody who wants it: a process forking a child (any
/// thread's `posix_spawn`, `Process.run`) duplicates every descriptor, and a lock we just
/// dropped stays held through the child's copy until its `exec` closes it. So EWOULDBLOCK is
/// retried with a short backoff (about 0.25 s in all) before it is believed; a real holder —
/// another program with the hive open — is still reported, just that much later.
func takeFileLock(_ fd: Int32, exclusive: Bool) -> Int32 {
    let operation = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB
    var pause: Int = 1_000_000  // ns
    for attempt in 0..<9 {
        if flock(fd, operation) == 0 { return 0 }
        let e = errno
        guard e == EWOULDBLOCK || e == EINTR, attempt < 8 else { return e }
        var ts = timespec(tv_sec: 0, tv_nsec: pause)
        _ = nanosleep(&ts, nil)
        pause *= 2
    }
    return EWOULDBLOCK
}
