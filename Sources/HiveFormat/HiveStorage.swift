#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a hive file: memory-mapped read-only (the file is never modified), or a heap copy
/// for hives built in memory (tests, recovered images).
///
/// A mapped file is held under a shared advisory lock (`flock(LOCK_SH)`) for the mapping's life,
/// so cooperating writers (hivekeeperd takes `LOCK_EX`) wait or fail instead of changing it
/// under us. A program that ignores the lock and truncates the file anyway makes the kernel
/// deliver SIGBUS when we touch a page past the new end: that cannot be caught safely in Swift,
/// so it ends the process. docs/hive-reading.md says so; `HiveStorage(copying:)` avoids it at the
/// cost of reading the whole file.
public final class HiveStorage: @unchecked Sendable {  // immutable after init; only an editor's reserved image is written, under its owner's lock
    public let bytes: UnsafeRawBufferPointer
    public let path: String?
    private let release: Release

    private enum Release { case unmap(fd: Int32, length: Int), free, unmapAnonymous(length: Int), none }

    /// Maps `path` read-only under a shared lock. Fails with `.locked` when another process holds
    /// an exclusive lock.
    public init(mappingFileAt path: String) throws(HiveError) {
        let (fd, e, failed) = openLocked(path, flags: O_RDONLY, exclusive: false)
        if fd < 0 {
            if e == EWOULDBLOCK { throw .locked(path: path) }
            throw .io(path: path, operation: failed, errno: e)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno; close(fd)
            throw .io(path: path, operation: "stat", errno: e)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { close(fd); throw .io(path: path, operation: "open", errno: EISDIR) }
        let length = Int(st.st_size)
        self.path = path
        if length == 0 {
            close(fd)
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            release = .none
            return
        }
        guard let map = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            let e = errno; close(fd)
            throw .io(path: path, operation: "mmap", errno: e)
        }
        // Lookups touch a few scattered pages: no readahead around each fault, so a lookup in a
        // 200 MB hive keeps a few pages resident, not megabytes (a walk from the root undoes it
        // with adviseWholeFileRead).
        _ = madvise(map, length, MADV_RANDOM)
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(map), count: length)
        release = .unmap(fd: fd, length: length)
    }

    /// A private copy of `data` (the hive never aliases the caller's memory).
    public init<C: Collection>(copying data: C, path: String? = nil) where C.Element == UInt8 {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(data.count, 1), alignment: 16)
        // Contiguous bytes (an Array, a buffer) are copied at once, not element by element.
        let copied: Void? = data.withContiguousStorageIfAvailable { src in
            if let from = src.baseAddress { buf.baseAddress!.copyMemory(from: from, byteCount: src.count) }
        }
        if copied == nil { _ = buf.initializeMemory(as: UInt8.self, from: data) }
        bytes = UnsafeRawBufferPointer(start: buf.baseAddress, count: data.count)
        self.path = path
        release = .free
    }

    /// Takes ownership of memory from `UnsafeMutableRawPointer.allocate` (a recovered image):
    /// no copy; it is deallocated with the storage.
    init(adopting memory: UnsafeMutableRawPointer, count: Int, path: String?) {
        bytes = UnsafeRawBufferPointer(start: memory, count: count)
        self.path = path
        release = .free
    }

    /// An editable image: `capacity` bytes of address space reserved once (anonymous, without
    /// swap reservation; untouched pages cost nothing), so the bytes never move while the hive
    /// grows and every pointer into them stays valid. `initial` is copied to the start.
    init(reserving capacity: Int, copying initial: UnsafeRawBufferPointer, path: String?) throws(HiveError) {
        guard initial.count <= capacity else {
            throw .refused(reason: "\(path ?? "the hive"): \(initial.count) bytes is more than a hive can hold (\(capacity))")
        }
        guard let map = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              map != MAP_FAILED
        else { throw .io(path: path ?? "(memory)", operation: "reserve \(capacity) bytes", errno: errno) }
        if let src = initial.baseAddress { map.copyMemory(from: src, byteCount: initial.count) }
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(map), count: capacity)
        self.path = path
        release = .unmapAnonymous(length: capacity)
    }

    /// The image's bytes for writing (only an editor's reserved image is ever written).
    var mutableBase: UnsafeMutableRawPointer { UnsafeMutableRawPointer(mutating: bytes.baseAddress!) }

    /// Reads the whole file into memory (no mapping, so later truncation cannot hurt us).
    public convenience init(readingFileAt path: String) throws(HiveError) {
        let mapped = try HiveStorage(mappingFileAt: path)
        self.init(copying: mapped.bytes, path: path)
    }

    /// Tells the kernel the whole file is about to be read in order (before a full walk).
    /// (MADV_POPULATE_READ was tried: filling the page tables up front costs what the faults do.)
    public func adviseWholeFileRead() {
        if case .unmap = release, let base = bytes.baseAddress {
            let p = UnsafeMutableRawPointer(mutating: base)
            _ = madvise(p, bytes.count, MADV_SEQUENTIAL)
            _ = madvise(p, bytes.count, MADV_WILLNEED)
        }
    }

    deinit {
        switch release {
        case let .unmap(fd, length):
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), length)
            close(fd)  // also drops the flock
        case .free:
            UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate()
        case let .unmapAnonymous(length):
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), length)
        case .none:
            break
        }
    }
}
