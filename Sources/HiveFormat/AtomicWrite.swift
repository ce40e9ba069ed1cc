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
        do throws(HiveError) {
            try writeAll(fd, bytes, at: 0, path: temporary)
            try syncFile(fd, temporary)
        } catch {
            close(fd); unlink(temporary)
            throw error
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let e = errno
            unlink(temporary)
            throw .io(path: path, operation: "rename", errno: e)
        }
        syncDirectory(of: path)
    }

    /// Whether two paths name the same file (same device and inode); false if either is missing.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Makes a rename in `path`'s directory durable (best effort: some file systems refuse).
    static func syncDirectory(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

/// All of `bytes` at `offset` of `fd`, retrying short writes and EINTR.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(HiveError) {
    var done = 0
    while done < bytes.count {
        let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
        if n < 0 {
            if errno == EINTR { continue }
            throw .io(path: path, operation: "write", errno: errno)
        }
        done += n
    }
}

func syncFile(_ fd: Int32, _ path: String) throws(HiveError) {
    guard fsync(fd) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
}

extension AtomicWrite {
    /// Writes a new file at `path` that is never seen half-written, and never replaces one: the
    /// bytes go to a temporary file beside it, flushed to disk, which is then linked in under
    /// `path` (refused with EEXIST when something is there) and its temporary name removed.
    public static func createNew(_ bytes: UnsafeRawBufferPointer, at path: String) throws(HiveError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", errno: errno) }
        defer { unlink(temporary) }
        do throws(HiveError) {
            try writeAll(fd, bytes, at: 0, path: temporary)
            try syncFile(fd, temporary)
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard link(temporary, path) == 0 else { throw .io(path: path, operation: "link", errno: errno) }
        syncDirectory(of: path)
    }
}
