/// Flags of a key record (nk @2).
public struct KeyFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let volatile = KeyFlags(rawValue: 0x0001)
    public static let hiveExit = KeyFlags(rawValue: 0x0002)
    /// The root key of a hive (offreg-written roots lack it: regf-format.md §1).
    public static let hiveEntry = KeyFlags(rawValue: 0x0004)
    public static let noDelete = KeyFlags(rawValue: 0x0008)
    public static let symbolicLink = KeyFlags(rawValue: 0x0010)
    /// The name is stored one byte per character (Latin-1).
    public static let compressedName = KeyFlags(rawValue: 0x0020)
    public static let predefinedHandle = KeyFlags(rawValue: 0x0040)
    public static let virtualSource = KeyFlags(rawValue: 0x0080)
    public static let virtualTarget = KeyFlags(rawValue: 0x0100)
    public static let virtualStore = KeyFlags(rawValue: 0x0200)
}

/// A key record (nk), read in place. Construction checks the signature and that the fixed part
/// and the name fit the cell; offsets it holds are checked when followed.
///
/// It keeps the hive's bytes alive (`owner`): a key outlives every other reference to its
/// `Hive` safely. The walk keeps bare cells on its stacks and hands each key to its visitor
/// borrowed, so the reference costs no ARC traffic per key there.
public struct NamedKey: CellView {
    public let cell: Cell
    /// The storage `cell` points into.
    @usableFromInline let owner: HiveStorage
    @usableFromInline static let fixedSize = 76

    @inlinable init(cell: Cell, referencedBy: UInt32?, owner: HiveStorage) throws(HiveError) {
        self.cell = try NamedKey.checked(cell, referencedBy: referencedBy)
        self.owner = owner
    }

    /// `cell`, when it holds a key record (what `init` checks).
    @inlinable @inline(__always)
    static func checked(_ cell: Cell, referencedBy: UInt32?) throws(HiveError) -> Cell {
        guard cell.length >= NamedKey.fixedSize, cell.data.u16(0) == Signature.nk,
              NamedKey.fixedSize + Int(cell.data.u16(72)) <= cell.length
        else { throw NamedKey.whyNot(cell, referencedBy: referencedBy) }
        return cell
    }

    /// A key whose cell `checked` already accepted (the walk's stacks).
    @inlinable init(checked cell: Cell, owner: HiveStorage) {
        self.cell = cell
        self.owner = owner
    }

    /// The rule `init` found broken (kept out of the inlined path).
    @usableFromInline @inline(never)
    static func whyNot(_ cell: Cell, referencedBy: UInt32?) -> HiveError {
        guard cell.length >= 2, cell.data.u16(0) == Signature.nk else {
            return .wrongSignature(cell: cell.offset, expected: "key (nk)",
                                   found: cell.length >= 2 ? cell.data.signature(0) : "", referencedBy: referencedBy)
        }
        guard cell.length >= NamedKey.fixedSize else {
            return .recordTruncated(cell: cell.offset, record: "nk", needed: NamedKey.fixedSize, available: cell.length)
        }
        return .recordTruncated(cell: cell.offset, record: "nk (name)", needed: NamedKey.fixedSize + Int(cell.data.u16(72)),
                                available: cell.length)
    }

    public var offset: UInt32 { cell.offset }
    public var flags: KeyFlags { KeyFlags(rawValue: cell.data.u16(2)) }
    public var lastWritten: FileTime { FileTime(rawValue: cell.data.u64(4)) }
    /// Win8+ access bits (low byte) and, on Win10 layered hives, layer semantics (high byte).
    public var accessBits: UInt32 { cell.data.u32(12) }
    public var parentOffset: UInt32 { cell.data.u32(16) }
    public var subkeyCount: UInt32 { cell.data.u32(20) }
    public var volatileSubkeyCount: UInt32 { cell.data.u32(24) }
    public var subkeyListOffset: UInt32 { cell.data.u32(28) }
    public var valueCount: UInt32 { cell.data.u32(36) }
    public var valueListOffset: UInt32 { cell.data.u32(40) }
    public var securityOffset: UInt32 { cell.data.u32(44) }
    public var classNameOffset: UInt32 { cell.data.u32(48) }
    /// Low 16 bits: longest subkey name (in bytes as UTF-16); upper bits: virtualization/user flags.
    public var maxSubkeyNameField: UInt32 { cell.data.u32(52) }
    public var maxClassNameLength: UInt32 { cell.data.u32(56) }
    public var maxValueNameLength: UInt32 { cell.data.u32(60) }
    public var maxValueDataSize: UInt32 { cell.data.u32(64) }
    public var classNameLength: UInt16 { cell.data.u16(74) }

    /// Layered-key semantics on v1.6 differencing hives (0 normal, 1 tombstone, 2 supersede
    /// local, 3 supersede tree).
    public var layerSemantics: UInt8 { UInt8((accessBits >> 8) & 0x3) }

    /// The stored name, read in place (valid while this key is).
    public var storedName: StoredName { NamedKey.storedName(of: cell) }

    /// The stored name of a checked nk cell.
    @inline(__always)
    static func storedName(of cell: Cell) -> StoredName {
        StoredName(pointer: cell.data + NamedKey.fixedSize, byteCount: Int(cell.data.u16(72)),
                   isCompressed: KeyFlags(rawValue: cell.data.u16(2)).contains(.compressedName))
    }

    public var name: RegistryName { storedName.name }
}

extension Hive {
    /// The key's class name (a UTF-16 string in its own cell), or nil when it has none.
    public func className(of key: NamedKey) throws(HiveError) -> RegistryName? {
        let length = Int(key.classNameLength)
        guard key.classNameOffset != 0xFFFF_FFFF, length > 0 else { return nil }
        let c = try cell(at: key.classNameOffset, referencedBy: key.offset)
        guard length <= c.length else {
            throw .recordTruncated(cell: c.offset, record: "class name", needed: length, available: c.length)
        }
        return StoredName(pointer: c.data, byteCount: length, isCompressed: false).name
    }

    /// The parent key, or nil for the root.
    public func parent(of key: NamedKey) throws(HiveError) -> NamedKey? {
        if key.offset == baseBlock.rootCellOffset { return nil }
        return try self.key(at: key.parentOffset, referencedBy: key.offset)
    }
}
