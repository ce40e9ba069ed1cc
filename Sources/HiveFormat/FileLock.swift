#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens `path` and takes an advisory `flock` on it without blocking for long.
///
/// Two things can make a lock look busy, or free, when it is not:
/// - a lock can be held for a moment by nobody who wants it: a process forking a child (any
///   thread's `posix_spawn`, `Process.run`) duplicates every descriptor, and a lock just dropped
///   (an unload followed by a remount) stays held through the child's copy until its `exec`
///   closes it. So EWOULDBLOCK is retried with a short backoff (about 0.25 s in all) before it
///   is believed; a real holder — another program with the hive open — is still reported;
/// - a writer that replaces the file whole (`HiveFlush.replaceWholeFile`: a new file renamed
///   over the old) leaves the old file's lock to go when it closes it; a lock won on that old
///   file locks nothing. So once locked, the path must still name the file we hold; if not, we
///   open it again.
///
/// Returns the descriptor, or the errno and the operation that failed.
func openLocked(_ path: String, flags: Int32, exclusive: Bool) -> (fd: Int32, errno: Int32, operation: String) {
    let operation = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB
    var pause = 1_000_000  // ns
    for attempt in 0..<9 {
        // O_NONBLOCK: a FIFO put where a hive or log should be would block the open (and every
        // other client behind the daemon's lock) until someone wrote to it; it changes nothing
        // for a regular file, and anything else is refused.
        let fd = open(path, flags | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return (-1, errno, "open") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return (-1, (st.st_mode & S_IFMT) == S_IFDIR ? EISDIR : EINVAL, "open (not a regular file)")
        }
        if flock(fd, operation) == 0 {
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                return (fd, 0, "")
            }
            close(fd)  // replaced while we waited: the lock is on a file nobody will read again
        } else {
            let e = errno
            close(fd)
            guard e == EWOULDBLOCK || e == EINTR else { return (-1, e, "flock") }
            if attempt == 8 { return (-1, EWOULDBLOCK, "flock") }
        }
        var ts = timespec(tv_sec: 0, tv_nsec: pause)
        _ = nanosleep(&ts, nil)
        pause *= 2
    }
    return (-1, EWOULDBLOCK, "flock")
}

/// Whether `fd` is a regular file (not a FIFO, device, socket or directory).
func isRegularFile(_ fd: Int32) -> Bool {
    var st = stat()
    return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}
