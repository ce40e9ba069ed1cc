#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that never leave a half-written file under the final name: write a
/// temporary file beside it, flush it to disk, rename it over the target, flush the directory.
public enum AtomicWrite {
    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws(HiveError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", errno: errno) }
        var done = 0
        while done < bytes.count {
            let n = writeSome(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd); unlink(temporary)
                throw .io(path: temporary, operation: "write", errno: e)
            }
            done += n
        }
        if fsync(fd) != 0 {
            let e = errno
            close(fd); unlink(temporary)
            throw .io(path: temporary, operation: "fsync", errno: e)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let e = errno
            unlink(temporary)
            throw .io(path: path, operation: "rename", errno: e)
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Whether two paths name the same file (same device and inode); false if either is missing.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}

/// The C `write` (inside `AtomicWrite` the name means our own method).
private func writeSome(_ fd: Int32, _ p: UnsafeRawPointer, _ count: Int) -> Int { write(fd, p, count) }
