/// A security record (sk): one self-relative security descriptor shared by many keys, on a
/// circular doubly linked list of all sk cells of the hive.
public struct SecurityCell {
    public let cell: Cell
    static let fixedSize = 20

    init(cell: Cell, referencedBy: UInt32?) throws(HiveError) {
        guard cell.length >= 2, cell.data.u16(0) == Signature.sk else {
            throw .wrongSignature(cell: cell.offset, expected: "security (sk)",
                                  found: cell.length >= 2 ? cell.data.signature(0) : "", referencedBy: referencedBy)
        }
        guard cell.length >= SecurityCell.fixedSize else {
            throw .recordTruncated(cell: cell.offset, record: "sk", needed: SecurityCell.fixedSize, available: cell.length)
        }
        let size = Int(cell.data.u32(16))
        guard size <= cell.length - SecurityCell.fixedSize else {
            throw .recordTruncated(cell: cell.offset, record: "sk (descriptor)", needed: SecurityCell.fixedSize + size,
                                   available: cell.length)
        }
        self.cell = cell
    }

    public var offset: UInt32 { cell.offset }
    public var flink: UInt32 { cell.data.u32(4) }
    public var blink: UInt32 { cell.data.u32(8) }
    public var referenceCount: UInt32 { cell.data.u32(12) }
    /// The self-relative SECURITY_DESCRIPTOR bytes (Security parses them).
    public var descriptor: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: cell.data + SecurityCell.fixedSize, count: Int(cell.data.u32(16)))
    }
}

extension Hive {
    public func security(of key: NamedKey) throws(HiveError) -> SecurityCell {
        try SecurityCell(cell: cell(at: key.securityOffset, referencedBy: key.offset), referencedBy: key.offset)
    }

    /// The sk record at `offset` (for following the flink/blink list).
    public func securityCell(at offset: UInt32) throws(HiveError) -> SecurityCell {
        try SecurityCell(cell: cell(at: offset), referencedBy: nil)
    }
}
