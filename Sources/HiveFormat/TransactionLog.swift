/// A transaction log file (.LOG, .LOG1, .LOG2) read in place: the old format (a base-block copy,
/// a DIRT bitmap and 512-byte pages) or the new one (a base-block copy and HvLE entries).
/// regf-format.md §1 "Transaction logs"; Suhanov's specification, "Format of transaction log
/// files". Parsing never fails: what makes a log unusable is kept as `unusable`, a sentence for
/// the user, because a bad log beside a hive is a fact to report, not a reason to stop reading.
public struct TransactionLog {
    public enum Format: Sendable, Equatable { case old, new }

    /// The file's name as given (for messages), and its bytes.
    public let name: String
    public let storage: HiveStorage
    /// The base-block copy in the first sector, when it has the regf signature.
    public private(set) var baseBlock: BaseBlock?
    public private(set) var format: Format?
    /// Why this log cannot be applied at all (nil when it can).
    public private(set) var unusable: String?

    // New format
    /// The entries that chain from the log's base block: the first has the base block's
    /// sequence number, each next one the previous number + 1.
    public private(set) var entries: [LogEntry] = []
    /// Why the chain of entries ended (end of file, a stale entry, remnant bytes).
    public private(set) var chainEnd = ""
    /// An entry that carries the next expected sequence number but whose size or hash is bad:
    /// a torn or damaged write, not a stale leftover.
    public private(set) var corruptEntry: (fileOffset: Int, sequence: UInt32, reason: String)?

    // Old format
    /// Bit i set: the 512-byte page at hive-bins offset 512 * i is in the log.
    public private(set) var dirtyPageOffsets: [UInt32] = []
    /// File offset of the first dirty page (the sector after the bitmap).
    public private(set) var dirtyPagesStart = 0

    public var isEmpty: Bool { storage.bytes.isEmpty }
    /// The sequence range of the active entries (new format), or the base block's (old format).
    public var sequenceRange: ClosedRange<UInt32>? {
        if format == .new {
            guard let f = entries.first, let l = entries.last else { return nil }
            return f.sequence...l.sequence
        }
        guard let bb = baseBlock, unusable == nil else { return nil }
        return bb.primarySequence...bb.primarySequence
    }

    public init(path: String) throws(HiveError) {
        try self.init(name: path, storage: HiveStorage(mappingFileAt: path))
    }

    public init(name: String, storage: HiveStorage) {
        self.name = name
        self.storage = storage
        let raw = storage.bytes
        guard raw.count > 0, let p = raw.baseAddress else {
            unusable = "the file is empty"
            return
        }
        guard let bb = try? BaseBlock(bytes: raw) else {
            unusable = "no regf base block at file offset 0"
            return
        }
        baseBlock = bb
        switch bb.fileType {
        case 1, 2: format = .old
        case 6: format = .new
        default:
            unusable = bb.fileType == 0
                ? "file type 0: this is a primary hive, not a log"
                : "file type \(bb.fileType) in the base block is not a log's (1, 2 or 6)"
            return
        }
        if bb.storedChecksum != bb.computedChecksum {
            unusable = "the base-block copy's checksum is 0x\(hex(bb.storedChecksum)), computed 0x\(hex(bb.computedChecksum))"
            return
        }
        if bb.primarySequence != bb.secondarySequence {
            unusable = "the base-block copy's sequence numbers differ (\(bb.primarySequence), \(bb.secondarySequence)): the log was being written"
            return
        }
        if bb.hiveBinsDataSize == 0 || bb.hiveBinsDataSize & 0xFFF != 0 || bb.hiveBinsDataSize > 0x8000_0000 {
            unusable = "the base-block copy's hive-bins data size 0x\(hex(bb.hiveBinsDataSize)) is not a non-zero multiple of 4096 up to 2 GiB"
            return
        }
        if format == .old {
            // DIRT, then one bit per 512-byte page (hbins size / 4096 bytes), pages from the next sector.
            let bitmapBytes = Int(bb.hiveBinsDataSize / 4096)
            guard raw.count >= 512 + 4 + bitmapBytes, p.u32(512) == 0x5452_4944 /* "DIRT" */ else {
                unusable = raw.count < 516
                    ? "the file ends before the dirty vector at file offset 0x200"
                    : "no \"DIRT\" signature at file offset 0x200 (found \"\(p.signature(512, count: 4))\")"
                return
            }
            for byte in 0..<bitmapBytes {
                let bits = p.u8(516 + byte)
                if bits == 0 { continue }
                for bit in 0..<8 where bits & (1 << bit) != 0 {
                    dirtyPageOffsets.append(UInt32(byte * 8 + bit) * 512)
                }
            }
            dirtyPagesStart = (516 + bitmapBytes + 511) & ~511
            let needed = dirtyPagesStart + dirtyPageOffsets.count * 512
            if needed > raw.count {
                unusable = "the dirty vector names \(dirtyPageOffsets.count) pages, which need \(needed) bytes; the file has \(raw.count)"
                return
            }
            return
        }
        // New format: entries from the second sector, chained from the base block's sequence.
        var pos = 512
        var expected = bb.primarySequence
        while true {
            guard pos + 40 <= raw.count else {
                chainEnd = "end of file"
                break
            }
            guard p.u32(pos) == 0x454C_7648 /* "HvLE" */ else {
                chainEnd = "no HvLE entry at file offset 0x\(hex(pos)) (remnant bytes)"
                break
            }
            let sequence = p.u32(pos + 12)
            guard sequence == expected else {
                chainEnd = entries.isEmpty
                    ? "the entry at file offset 0x\(hex(pos)) has sequence \(sequence), not the base block's \(expected)"
                    : "stale entry with sequence \(sequence) at file offset 0x\(hex(pos)) (\(expected) would continue)"
                break
            }
            switch LogEntry.check(p, at: pos, fileSize: raw.count) {
            case let .failure(why):
                corruptEntry = (pos, sequence, why.reason)
                chainEnd = "corrupt entry at file offset 0x\(hex(pos))"
            case let .success(entry):
                entries.append(entry)
                pos += Int(entry.size)
                expected = sequence &+ 1
                continue
            }
            break
        }
        unusable = entries.isEmpty && corruptEntry == nil ? "no log entry chains from the base block: \(chainEnd)" : nil
    }
}

/// One HvLE entry: the pages one flush wrote. Offsets are file offsets in the log.
public struct LogEntry: Sendable {
    public let fileOffset: Int
    public let size: UInt32
    /// Only bit 0x1 (the base block's KTM-locked flag) is carried to the base block.
    public let flags: UInt32
    public let sequence: UInt32
    public let hiveBinsDataSize: UInt32
    public let pageCount: Int

    /// (hive-bins offset, byte count, file offset of the bytes) for each dirty page.
    public func pages(in log: TransactionLog) -> [(offset: UInt32, size: Int, fileOffset: Int)] {
        guard let p = log.storage.bytes.baseAddress else { return [] }
        var out: [(UInt32, Int, Int)] = []
        out.reserveCapacity(pageCount)
        var data = fileOffset + 40 + pageCount * 8
        for i in 0..<pageCount {
            let ref = fileOffset + 40 + i * 8
            let size = Int(p.u32(ref + 4))
            out.append((p.u32(ref), size, data))
            data += size
        }
        return out
    }

    /// Validates the entry at `pos` (its signature and sequence already matched): sizes, both
    /// Marvin32 hashes, and every page reference inside the entry and the hive-bins size.
    static func check(_ p: UnsafeRawPointer, at pos: Int, fileSize: Int) -> Result<LogEntry, EntryDefect> {
        let size = p.u32(pos + 4)
        guard size >= 512, size & 511 == 0, pos + Int(size) <= fileSize else {
            return .failure(EntryDefect("size \(size) is not a multiple of 512 inside the file (\(fileSize - pos) bytes remain)"))
        }
        let binsSize = p.u32(pos + 16)
        // At most 2 GiB: cell offsets have 31 bits (and recovery allocates this much).
        guard binsSize != 0, binsSize & 0xFFF == 0, binsSize <= 0x8000_0000 else {
            return .failure(EntryDefect("hive-bins data size 0x\(hex(binsSize)) is not a non-zero multiple of 4096 up to 2 GiB"))
        }
        let hash2 = Marvin32.hash(UnsafeRawBufferPointer(start: p + pos, count: 32))
        guard hash2 == p.u64(pos + 32) else {
            return .failure(EntryDefect("Hash-2 is 0x\(hex(p.u64(pos + 32))), computed 0x\(hex(hash2))"))
        }
        let hash1 = Marvin32.hash(UnsafeRawBufferPointer(start: p + pos + 40, count: Int(size) - 40))
        guard hash1 == p.u64(pos + 24) else {
            return .failure(EntryDefect("Hash-1 is 0x\(hex(p.u64(pos + 24))), computed 0x\(hex(hash1))"))
        }
        let count = Int(p.u32(pos + 20))
        guard count > 0, 40 + count * 8 <= Int(size) else {
            return .failure(EntryDefect("\(count) dirty pages do not fit an entry of \(size) bytes"))
        }
        var data = 40 + count * 8
        for i in 0..<count {
            let ref = pos + 40 + i * 8
            let offset = p.u32(ref), length = p.u32(ref + 4)
            guard length > 0, offset & 511 == 0, length & 511 == 0,
                UInt64(offset) + UInt64(length) <= UInt64(binsSize)
            else {
                return .failure(EntryDefect("page \(i) (offset 0x\(hex(offset)), \(length) bytes) is not whole sectors inside the hive-bins data size 0x\(hex(binsSize))"))
            }
            data += Int(length)
            guard data <= Int(size) else {
                return .failure(EntryDefect("the pages need more than the entry's \(size) bytes"))
            }
        }
        return .success(LogEntry(fileOffset: pos, size: size, flags: p.u32(pos + 8), sequence: p.u32(pos + 12),
                                 hiveBinsDataSize: binsSize, pageCount: count))
    }
}

struct EntryDefect: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
