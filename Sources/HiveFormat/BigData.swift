/// Big data (db): values over 16344 bytes in hives of version 1.4 and later are split into
/// segments of 16344 bytes (the last may be shorter) listed by a segment list.
extension Hive {
    public static let bigDataSegmentSize = 16344

    /// Assembles `length` bytes from the db record in `cell`, or returns nil when the record is
    /// not a consistent db for that length (the tolerant rule of regf-format.md §1: hivex writes
    /// big values as one raw cell even in v1.5 hives; then the caller reads the raw cell).
    /// A segment that is referenced but not a valid cell is an error.
    @usableFromInline func bigData(_ cell: Cell, length: Int) throws(HiveError) -> AssembledBytes? {
        guard cell.length >= 8 else { return nil }
        let count = Int(cell.data.u16(2))
        let needed = (length + Hive.bigDataSegmentSize - 1) / Hive.bigDataSegmentSize
        guard count >= needed else { return nil }
        let list = try self.cell(at: cell.data.u32(4), referencedBy: cell.offset)
        guard count * 4 <= list.length else {
            throw .badBigData(cell: cell.offset, reason: "\(count) segments declared but the segment list holds \(list.length / 4)")
        }
        // The declared length is untrusted, and segments could all name one cell: data larger
        // than the hive itself cannot be real, so nothing larger is ever allocated.
        guard length <= Int(binsLimit) else {
            throw .badBigData(cell: cell.offset, reason: "\(length) bytes declared, more than the hive's \(binsLimit) bytes of bins")
        }
        let out = AssembledBytes(byteCount: length)
        var filled = 0
        for i in 0..<needed {
            let segment = try self.cell(at: list.data.u32(4 * i), referencedBy: list.offset)
            let take = Swift.min(Hive.bigDataSegmentSize, length - filled)
            guard segment.length >= take else {
                throw .badBigData(cell: cell.offset,
                                  reason: "segment \(i) at 0x\(hex(segment.offset)) holds \(segment.length) bytes, \(take) needed")
            }
            out.buffer.baseAddress!.advanced(by: filled).copyMemory(from: segment.data, byteCount: take)
            filled += take
        }
        return out
    }
}
