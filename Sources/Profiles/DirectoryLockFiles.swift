#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The store lock's files in a local (or mounted) directory, through POSIX calls: O_EXCL
/// creation, in-place overwrites with fsync, so that another machine reads whole contents.
struct DirectoryLockFiles: StoreLockFiles {
    let directory: URL

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
    }

    func read(_ name: String) throws -> [UInt8]? {
        let fd = open(path(name), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw StoreFileError(what: "open", path: path(name), errno: errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw StoreFileError(what: "read", path: path(name), errno: errno) }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    func lastWritten(_ name: String) throws -> Date? {
        var info = stat()
        guard stat(path(name), &info) == 0 else {
            if errno == ENOENT { return nil }
            throw StoreFileError(what: "read the attributes of", path: path(name), errno: errno)
        }
        return Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    func create(_ name: String, _ bytes: [UInt8]) throws -> Bool {
        let fd = open(path(name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { return false }
            throw StoreFileError(what: "create", path: path(name), errno: errno)
        }
        do {
            try write(fd, bytes, name)
        } catch {
            // Ours (O_EXCL) and not filled: removed, or it would read as "being written" and
            // block every taker for a whole lease.
            unlink(path(name))
            throw error
        }
        return true
    }

    func overwrite(_ name: String, _ bytes: [UInt8]) throws -> Bool {
        let fd = open(path(name), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return false }
            throw StoreFileError(what: "open", path: path(name), errno: errno)
        }
        try write(fd, bytes, name)
        return true
    }

    /// Writes at offset 0 in one call, fsyncs and closes `fd`.
    private func write(_ fd: Int32, _ bytes: [UInt8], _ name: String) throws {
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard n == bytes.count else { throw StoreFileError(what: "write", path: path(name), errno: n < 0 ? errno : EIO) }
        guard fsync(fd) == 0 else { throw StoreFileError(what: "fsync", path: path(name), errno: errno) }
    }

    func makeDirectory() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove(_ name: String) throws {
        guard unlink(path(name)) == 0 || errno == ENOENT else { throw StoreFileError(what: "delete", path: path(name), errno: errno) }
    }
}

/// A store file operation that failed: what, where, why.
public struct StoreFileError: Error, CustomStringConvertible {
    public let what: String
    public let path: String
    public let errno: Int32
    public var description: String { "cannot \(what) \(path): \(String(cString: strerror(errno)))" }
}
