#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file as the kernel knows it, (st_dev, st_ino): two paths to one file (a hard link, a
/// symbolic link, `..`) name one FileID, and a path whose file was replaced names another.
public struct FileID: Hashable, Sendable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The file an open descriptor refers to.
    public init?(descriptor fd: Int32) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        self.init(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// The file `path` names, proven openable for reading and writing by whoever asks (the
    /// file is opened, looked at and closed; an flock held on it elsewhere stays). Nil when no
    /// file is there; the errno when it cannot be opened so.
    public static func writable(at path: String) -> Result<FileID?, HiveError> {
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK)  // never waits on a FIFO (FileLock.swift)
        guard fd >= 0 else {
            let e = errno
            return e == ENOENT ? .success(nil) : .failure(.io(path: path, operation: "open", errno: e))
        }
        defer { close(fd) }
        return .success(FileID(descriptor: fd))
    }

    public var description: String { "device \(device), inode \(inode)" }
}

extension HiveEditor {
    /// The primary file as it is now (a whole-file flush replaces it); nil for an in-memory hive.
    public var fileID: FileID? { files.flatMap { FileID(descriptor: $0.primary) } }
}
