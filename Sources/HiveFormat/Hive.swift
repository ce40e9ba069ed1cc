/// A regf hive read in place. Opening maps the file and parses the base block; nothing else is
/// read until asked. Every reference followed is checked against the bins and cells it claims
/// (see `BinMap`), and records are views whose accessors stay inside their cell.
///
/// Not thread-safe: the lazily filled bin map is shared state. One hive per task, or a lock
/// above it (the Registry layer holds one).
public final class Hive {
    public let storage: HiveStorage
    // The two `var`s below are read on every cell access. A class's `var` is checked for
    // exclusive access at run time on each read; that cost the full-walk benchmark 35 % (0.039 →
    // 0.055 s) when the editor made them mutable. Only an editor writes them, never during a read.
    /// The base block as parsed at open (an editor keeps it current as it writes).
    @exclusivity(unchecked) public internal(set) var baseBlock: BaseBlock
    /// Bytes of hive-bins data that are read (normally the base block's hive-bins data size; an
    /// editor raises it as it adds bins).
    @exclusivity(unchecked) public internal(set) var binsLimit: UInt32
    /// What was odd but not fatal at open: dirty, truncated, size fields repaired.
    public private(set) var warnings: [String] = []

    // The hot read paths (cell, key, value, data) are @inlinable, so a walk's visitor in another
    // module reads records without a call per record (~120 instructions a key, a quarter of the
    // read benchmark's walk); what they touch is @usableFromInline.
    @usableFromInline let bins: UnsafeRawPointer
    @usableFromInline let binMap: BinMap
    /// Bytes before a cell's data: 4, or 8 in version 1.1.
    @usableFromInline let cellHeaderSize: Int
    public var minorVersion: UInt32 { baseBlock.minorVersion }
    public var path: String? { storage.path }

    /// Maps the file at `path` (shared lock, read-only) and opens it.
    public convenience init(path: String) throws(HiveError) {
        try self.init(storage: HiveStorage(mappingFileAt: path))
    }

    /// Opens a hive from bytes already in memory (a copy is kept).
    public convenience init(bytes: some Collection<UInt8>) throws(HiveError) {
        try self.init(storage: HiveStorage(copying: bytes))
    }

    public convenience init(storage: HiveStorage) throws(HiveError) {
        try self.init(storage: storage, editingCapacity: nil)
    }

    /// `editingCapacity`: the hive-bins bytes an editor may grow to (its reserved image).
    init(storage: HiveStorage, editingCapacity: UInt32?) throws(HiveError) {
        self.storage = storage
        let raw = storage.bytes
        baseBlock = try BaseBlock(bytes: raw)
        let bb = baseBlock
        guard bb.majorVersion == 1, (1...6).contains(bb.minorVersion) else {
            throw .unsupportedVersion(major: bb.majorVersion, minor: bb.minorVersion)
        }
        guard bb.fileType == 0 else {
            throw .notAHive(reason: "file type \(bb.fileType) in the base block: this is a transaction log, not a primary hive")
        }
        var notes: [String] = []
        if bb.fileFormat != 1 {
            // Windows refuses such a base block; the layout of everything after it is the same,
            // so a reader can still show it (Parse::Win32Registry's synthetic hives have 0 here).
            notes.append("file format \(bb.fileFormat) in the base block (Windows loads only 1, direct memory load); reading it anyway")
        }
        guard raw.count >= BaseBlock.size + 4096 else {
            throw .notAHive(reason: "the file is \(raw.count) bytes long: no hive bin follows the base block")
        }
        bins = raw.baseAddress! + BaseBlock.size
        let available = UInt32(clamping: (raw.count - BaseBlock.size) & ~0xFFF)
        if bb.isDirty {
            notes.append("the hive is dirty: \(bb.dirtyReasons.joined(separator: "; ")); reading the primary file as it is")
        }
        let declared = bb.hiveBinsDataSize
        var limit: UInt32
        if bb.storedChecksum != bb.computedChecksum {
            // The base block cannot be trusted (Windows would rebuild it from a log): take the
            // size of the chain of valid bins, as yarp does ("effective hive-bins data size").
            limit = BinMap.effectiveSize(bins: bins, available: available)
            if limit != declared {
                notes.append("the base block's checksum is wrong and its hive-bins data size 0x\(hex(declared)) disagrees with the bin chain; reading the chain, 0x\(hex(limit)) bytes")
            }
        } else if declared == 0 || declared & 0xFFF != 0 {
            limit = BinMap.effectiveSize(bins: bins, available: available)
            notes.append("the base block's hive-bins data size 0x\(hex(declared)) is invalid; using the size of the bin chain, 0x\(hex(limit))")
        } else if declared > available {
            limit = BinMap.effectiveSize(bins: bins, available: available)
            notes.append("the file is truncated: the base block declares 0x\(hex(declared)) bytes of hive bins, the file holds 0x\(hex(available)); reading 0x\(hex(limit))")
        } else {
            limit = declared
        }
        if limit == 0 {
            throw .badBin(fileOffset: BaseBlock.size, reason: "no valid hive bin follows the base block")
        }
        binsLimit = limit
        var layout: CellLayout = bb.minorVersion == 1 ? .version1_1 : .standard
        if bb.storedChecksum != bb.computedChecksum {
            // The version field is as untrusted as the rest: the cells of the first bin decide.
            let other: CellLayout = bb.minorVersion == 1 ? .standard : .version1_1
            if !BinMap.firstBinChainHolds(bins: bins, limit: limit, layout: layout),
               BinMap.firstBinChainHolds(bins: bins, limit: limit, layout: other) {
                notes.append("the base block says version 1.\(bb.minorVersion) but its checksum is wrong and the cells are laid out as in \(other.alignment == 16 ? "1.1" : "1.2 and later"); reading them so")
                layout = other
            }
        }
        cellHeaderSize = layout.headerSize
        binMap = BinMap(bins: bins, limit: limit, layout: layout, capacity: editingCapacity)
        warnings = notes
    }

    // MARK: Cells

    /// The allocated cell at `offset`, or an error naming why it is not one.
    @inlinable @inline(__always)
    public func cell(at offset: UInt32, referencedBy: UInt32? = nil) throws(HiveError) -> Cell {
        guard offset < binsLimit, binMap.isAllocatedCell(below: offset) else {
            throw notACell(offset, referencedBy: referencedBy)
        }
        let size = -Int(Int32(bitPattern: bins.u32(Int(offset))))
        return Cell(offset: offset, data: bins + Int(offset) + cellHeaderSize, length: size - cellHeaderSize)
    }

    /// Why `offset` is not an allocated cell (kept out of the inlined path).
    @usableFromInline @inline(never)
    func notACell(_ offset: UInt32, referencedBy: UInt32?) -> HiveError {
        guard offset < binsLimit else {
            return .offsetOutOfRange(cell: offset, limit: binsLimit, referencedBy: referencedBy)
        }
        return .notAnAllocatedCell(cell: offset, reason: binMap.whyNotAllocated(offset), referencedBy: referencedBy)
    }

    /// True when `offset` starts an allocated cell.
    public func cellIsAllocated(_ offset: UInt32) -> Bool {
        offset < binsLimit && binMap.isAllocatedCell(offset)
    }

    // MARK: Keys

    /// The root key the base block names.
    public func rootKey() throws(HiveError) -> NamedKey {
        try key(at: baseBlock.rootCellOffset, referencedBy: nil)
    }

    /// The key record at `offset`.
    @inlinable @inline(__always)
    public func key(at offset: UInt32, referencedBy: UInt32? = nil) throws(HiveError) -> NamedKey {
        try NamedKey(cell: cell(at: offset, referencedBy: referencedBy), referencedBy: referencedBy, owner: storage)
    }

    /// Follows a path of names (case-insensitive, Windows' folding) from `start`.
    public func key(path components: [RegistryName], from start: NamedKey) throws(HiveError) -> NamedKey {
        var current = start
        for (i, component) in components.enumerated() {
            guard let next = try subkey(of: current, named: component) else {
                throw .keyNotFound(path: components[...i].map(\.description).joined(separator: "\\"))
            }
            current = next
        }
        return current
    }

    /// Follows a backslash-separated path from the root ("" or "\" is the root itself).
    public func key(path: String) throws(HiveError) -> NamedKey {
        let parts = path.split(separator: "\\", omittingEmptySubsequences: true).map { RegistryName($0) }
        return try key(path: parts, from: rootKey())
    }
}

extension BinMap {
    /// The size of the chain of valid bins from offset 0 (what yarp calls the effective size):
    /// used when the base block's size field is wrong or the file is shorter than it says.
    static func effectiveSize(bins: UnsafeRawPointer, available: UInt32) -> UInt32 {
        var pos: UInt32 = 0
        while UInt64(pos) + 32 <= UInt64(available) {
            let p = bins + Int(pos)
            let size = p.u32(8)
            guard p.u32(0) == Signature.hbin, p.u32(4) == pos, size >= 4096, size & 0xFFF == 0,
                UInt64(pos) + UInt64(size) <= UInt64(available)
            else { break }
            pos += size
        }
        return pos
    }
}
