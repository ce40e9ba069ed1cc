#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A hive open for writing: an in-memory image of the file that `hive` reads (the same bytes),
/// cells allocated and freed by `CellAllocator`, changed pages tracked for `flush`, which writes
/// them crash-safely (HiveFlush.swift). Records are edited in HiveEditor+Keys/+Values/+Security.
///
/// The image is one reserved address range (2 GiB of bins, the most a hive can address), so
/// records never move while bins are added. Not thread-safe: one editor per hive, under the
/// Registry layer's lock. The file, when there is one, is held under an exclusive lock.
public final class HiveEditor {
    /// The read view: every reader API works on the edited bytes.
    public let hive: Hive
    public let path: String?
    /// Time for key timestamps (injected, so tests and the daemon decide).
    public let clock: () -> FileTime
    /// What opening did about a dirty primary, for the user: the logs applied, a log passed
    /// over, the primary taken as it is. Empty for a clean one.
    public internal(set) var openingNotes: [String] = []

    let storage: HiveStorage
    let image: UnsafeMutableRawPointer
    var bins: UnsafeMutableRawPointer { image + BaseBlock.size }
    /// The allocator and the dirty pages live behind a pointer: as stored properties of a class
    /// every mutation paid a dynamic exclusivity check (~11 % of building a big hive).
    private let state: UnsafeMutablePointer<EditState>
    var free: CellAllocator {
        _read { yield state.pointee.free }
        _modify { yield &state.pointee.free }
    }
    var dirty: DirtyPages {
        _read { yield state.pointee.dirty }
        _modify { yield &state.pointee.dirty }
    }
    /// The primary file (locked) and the logs, when the hive lives in a file.
    var files: HiveFiles?

    static let binsCapacity: UInt32 = 0x8000_0000
    /// How far the bins may grow (the live registry's per-hive quota); writes that fit in free
    /// cells are not limited by it.
    public var binsQuota: UInt32 = 0x8000_0000

    /// An editor over a copy of `source` (a primary image; recovered already when it was dirty).
    init(source: HiveStorage, path: String?, files: HiveFiles?, clock: @escaping () -> FileTime) throws(HiveError) {
        state = .allocate(capacity: 1)
        state.initialize(to: EditState())
        storage = try HiveStorage(reserving: BaseBlock.size + Int(Self.binsCapacity), copying: source.bytes, path: path)
        image = storage.mutableBase
        hive = try Hive(storage: storage, editingCapacity: Self.binsCapacity)
        self.path = path
        self.files = files
        self.clock = clock
        let bb = hive.baseBlock
        guard (2...6).contains(bb.minorVersion), hive.cellHeaderSize == 4 else {
            throw .refused(reason: "editing a version 1.\(bb.minorVersion) hive is not supported (1.2 to 1.6 are)")
        }
        guard bb.storedChecksum == bb.computedChecksum else {
            throw .refused(reason: "the base block must be valid to edit the hive")
        }
        try indexFreeCells()
    }

    /// Reads every bin's cell chain once: free cells go to the allocator. A broken bin makes the
    /// hive unfit for writing (a write could overwrite what a reader still needs).
    private func indexFreeCells() throws(HiveError) {
        var pos: UInt32 = 0
        let limit = hive.binsLimit
        while pos < limit {
            guard let size = hive.binMap.headerSize(at: pos) else {
                throw .badBin(fileOffset: Int(pos) + BaseBlock.size, reason: "not a valid hive bin; the hive cannot be edited")
            }
            let end = pos + size
            var freeCells: [(UInt32, UInt32)] = []
            if let broken = BinMap.walkChain(bins: UnsafeRawPointer(bins), from: Int(pos) + 32, to: Int(end), layout: .standard, allocated: { _ in }) {
                throw .badBin(fileOffset: broken + BaseBlock.size, reason: "a cell size breaks the bin's chain; the hive cannot be edited")
            }
            var c = pos + 32
            while c < end {
                let raw = Int32(bitPattern: UnsafeRawPointer(bins).u32(Int(c)))
                let len = UInt32(raw.magnitude)
                if raw > 0 { freeCells.append((c, len)) }
                c += len
            }
            for (o, l) in freeCells { free.add(o, size: l) }
            pos = end
        }
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Closes the files and drops the lock (unflushed changes are discarded); the editor can
    /// still be read, not flushed.
    public func close() { files = nil }

    /// Whether the editor writes a file (false for a hive kept only in memory).
    public var isFileBacked: Bool { files != nil }

    // MARK: Raw access (every store marks its page dirty)

    @inline(__always) func cellSize(_ offset: UInt32) -> UInt32 {
        UInt32(Int32(bitPattern: UnsafeRawPointer(bins).u32(Int(offset))).magnitude)
    }

    /// Pointer to a cell's data (after its 4-byte size).
    @inline(__always) func data(_ cell: UInt32) -> UnsafeMutableRawPointer { bins + Int(cell) + 4 }

    @inline(__always) func put32(_ cell: UInt32, _ field: Int, _ v: UInt32) {
        data(cell).storeBytes(of: v.littleEndian, toByteOffset: field, as: UInt32.self)
        dirty.mark(cell + 4 + UInt32(field), 4)
    }

    @inline(__always) func put16(_ cell: UInt32, _ field: Int, _ v: UInt16) {
        data(cell).storeBytes(of: v.littleEndian, toByteOffset: field, as: UInt16.self)
        dirty.mark(cell + 4 + UInt32(field), 2)
    }

    @inline(__always) func put64(_ cell: UInt32, _ field: Int, _ v: UInt64) {
        data(cell).storeBytes(of: v.littleEndian, toByteOffset: field, as: UInt64.self)
        dirty.mark(cell + 4 + UInt32(field), 8)
    }

    func putBytes(_ cell: UInt32, _ field: Int, _ bytes: UnsafeRawBufferPointer) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        (data(cell) + field).copyMemory(from: src, byteCount: bytes.count)
        dirty.mark(cell + 4 + UInt32(field), bytes.count)
    }

    @inline(__always) func get32(_ cell: UInt32, _ field: Int) -> UInt32 { UnsafeRawPointer(data(cell)).u32(field) }
    @inline(__always) func get16(_ cell: UInt32, _ field: Int) -> UInt16 { UnsafeRawPointer(data(cell)).u16(field) }

    /// Writes a base-block field in the image (and the hive's parsed copy stays in step).
    func putBaseBlock(_ field: Int, _ v: UInt32) {
        image.storeBytes(of: v.littleEndian, toByteOffset: field, as: UInt32.self)
        dirty.baseBlock = true
    }

    func refreshBaseBlock() {
        image.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(image)).littleEndian, toByteOffset: 508, as: UInt32.self)
        hive.baseBlock = try! BaseBlock(bytes: UnsafeRawBufferPointer(start: image, count: BaseBlock.size))
    }

    // MARK: Cells

    /// An allocated cell whose data holds `length` bytes (zeroed).
    func allocate(_ length: Int) throws(HiveError) -> UInt32 {
        guard length >= 0, length < Int(Self.binsCapacity) else { throw .refused(reason: "a cell of \(length) bytes cannot exist") }
        let size = UInt32((length + 4 + 7) & ~7)
        let offset: UInt32
        if let found = free.find(size, sizeAt: { self.cellSize($0) }) {
            offset = found
        } else {
            offset = try addBin(holding: size)
        }
        var have = cellSize(offset)
        free.remove(offset, size: have)
        if have - size >= 8 {
            // Split: the rest stays free.
            let rest = offset + size
            bins.storeBytes(of: (have - size).littleEndian, toByteOffset: Int(rest), as: UInt32.self)
            dirty.mark(rest, 4)
            free.add(rest, size: have - size)
            have = size
        }
        bins.storeBytes(of: UInt32(bitPattern: -Int32(have)).littleEndian, toByteOffset: Int(offset), as: UInt32.self)
        (bins + Int(offset) + 4).initializeMemory(as: UInt8.self, repeating: 0, count: Int(have) - 4)
        dirty.mark(offset, Int(have))
        hive.binMap.setAllocated(offset, true)
        return offset
    }

    /// A cell whose data holds `length` bytes with the contents of `cell` (up to the shorter of
    /// the two): the same cell when it is big enough or can grow into a free neighbour (as
    /// HvReallocateCell does, so a list that grows by one entry stays where it is), else a new one
    /// with half as much again, so a list that keeps growing moves O(log n) times and leaves
    /// few holes behind (each hole is too small for the list's next size).
    func reallocate(_ cell: UInt32, to length: Int) throws(HiveError) -> UInt32 {
        let needed = UInt32((length + 4 + 7) & ~7)
        let have = cellSize(cell)
        if have >= needed { return cell }
        if let (_, end) = hive.binMap.bin(covering: cell) {
            let next = cell + have
            if next < end, Int32(bitPattern: UnsafeRawPointer(bins).u32(Int(next))) > 0, have + cellSize(next) >= needed {
                let nextSize = cellSize(next)
                free.remove(next, size: nextSize)
                var total = have + nextSize
                if total - needed >= 8 {
                    let rest = cell + needed
                    bins.storeBytes(of: (total - needed).littleEndian, toByteOffset: Int(rest), as: UInt32.self)
                    dirty.mark(rest, 4)
                    free.add(rest, size: total - needed)
                    total = needed
                }
                (bins + Int(next)).initializeMemory(as: UInt8.self, repeating: 0, count: Int(cell + total - next))
                bins.storeBytes(of: UInt32(bitPattern: -Int32(total)).littleEndian, toByteOffset: Int(cell), as: UInt32.self)
                dirty.mark(cell, Int(total))
                return cell
            }
        }
        let moved = try allocate(length + length / 2)
        data(moved).copyMemory(from: data(cell), byteCount: Swift.min(Int(have) - 4, length))
        release(cell)
        return moved
    }

    /// Frees a cell and merges it with free neighbours in its bin.
    func release(_ offset: UInt32) {
        // Only an allocated cell is freed: a stale or repeated reference must not enter the
        // free index twice.
        guard offset != 0xFFFF_FFFF, hive.cellIsAllocated(offset), let (start, end) = hive.binMap.bin(covering: offset) else { return }
        var at = offset
        var size = cellSize(offset)
        hive.binMap.setAllocated(offset, false)
        let next = at + size
        if next < end, Int32(bitPattern: UnsafeRawPointer(bins).u32(Int(next))) > 0 {
            let n = cellSize(next)
            free.remove(next, size: n)
            size += n
        }
        // The previous cell: walk the bin from its start (bins are small).
        var c = start + 32, previous: UInt32?
        while c < at {
            previous = c
            c += cellSize(c)
        }
        if let p = previous, Int32(bitPattern: UnsafeRawPointer(bins).u32(Int(p))) > 0 {
            let n = cellSize(p)
            free.remove(p, size: n)
            at = p
            size += n
        }
        bins.storeBytes(of: size.littleEndian, toByteOffset: Int(at), as: UInt32.self)
        dirty.mark(at, 4)
        free.add(at, size: size)
    }

    /// Appends a bin just big enough for a cell of `cellSize` bytes; returns that free cell.
    private func addBin(holding cellSize: UInt32) throws(HiveError) -> UInt32 {
        let start = hive.binsLimit
        let size = (cellSize + 32 + 4095) & ~4095
        guard UInt64(start) + UInt64(size) <= UInt64(Self.binsCapacity) else {
            throw .refused(reason: "the hive would grow past 2 GiB of bins, the most a hive can address")
        }
        guard UInt64(start) + UInt64(size) <= UInt64(binsQuota) else { throw .quotaExceeded(limit: Int(binsQuota)) }
        let bin = bins + Int(start)
        bin.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
        bin.storeBytes(of: Signature.hbin.littleEndian, toByteOffset: 0, as: UInt32.self)
        bin.storeBytes(of: start.littleEndian, toByteOffset: 4, as: UInt32.self)
        bin.storeBytes(of: size.littleEndian, toByteOffset: 8, as: UInt32.self)
        bin.storeBytes(of: (size - 32).littleEndian, toByteOffset: 32, as: UInt32.self)
        dirty.mark(start, Int(size))
        let limit = start + size
        hive.binMap.grow(to: limit)
        hive.binsLimit = limit
        putBaseBlock(40, limit)
        refreshBaseBlock()
        free.add(start + 32, size: size - 32)
        return start + 32
    }

    /// The time now as Windows stores it.
    var now: UInt64 { clock().rawValue }
}

struct EditState {
    var free = CellAllocator()
    var dirty = DirtyPages()
}

/// The open files of an edited hive: the primary under an exclusive lock, and its two logs.
final class HiveFiles {
    /// Replaced when a flush rewrites the whole file (HiveFlush.swift).
    var primary: Int32
    let log1: Int32
    let log2: Int32
    let primaryPath: String
    let log1Path: String

    init(primary: Int32, log1: Int32, log2: Int32, primaryPath: String, log1Path: String) {
        self.primary = primary
        self.log1 = log1
        self.log2 = log2
        self.primaryPath = primaryPath
        self.log1Path = log1Path
    }

    deinit {
        closeFile(log1)
        closeFile(log2)
        closeFile(primary)  // drops the lock
    }
}

/// The C `close` (inside HiveEditor the name means the editor's own).
func closeFile(_ fd: Int32) { _ = close(fd) }
