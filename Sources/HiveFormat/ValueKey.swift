/// A value record (vk), read in place. Like `NamedKey`, it keeps the hive's bytes alive.
public struct ValueKey: CellView {
    public let cell: Cell
    /// The storage `cell` points into.
    @usableFromInline let owner: HiveStorage
    @usableFromInline static let fixedSize = 20

    @inlinable init(cell: Cell, referencedBy: UInt32?, owner: HiveStorage) throws(HiveError) {
        self.cell = try ValueKey.checked(cell, referencedBy: referencedBy)
        self.owner = owner
    }

    /// `cell`, when it holds a value record (what `init` checks).
    @inlinable @inline(__always)
    static func checked(_ cell: Cell, referencedBy: UInt32?) throws(HiveError) -> Cell {
        guard cell.length >= ValueKey.fixedSize, cell.data.u16(0) == Signature.vk,
              ValueKey.fixedSize + Int(cell.data.u16(2)) <= cell.length
        else { throw ValueKey.whyNot(cell, referencedBy: referencedBy) }
        return cell
    }

    /// A value whose cell `checked` already accepted.
    @inlinable init(checked cell: Cell, owner: HiveStorage) {
        self.cell = cell
        self.owner = owner
    }

    /// The rule `init` found broken (kept out of the inlined path).
    @usableFromInline @inline(never)
    static func whyNot(_ cell: Cell, referencedBy: UInt32?) -> HiveError {
        guard cell.length >= 2, cell.data.u16(0) == Signature.vk else {
            return .wrongSignature(cell: cell.offset, expected: "value (vk)",
                                   found: cell.length >= 2 ? cell.data.signature(0) : "", referencedBy: referencedBy)
        }
        guard cell.length >= ValueKey.fixedSize else {
            return .recordTruncated(cell: cell.offset, record: "vk", needed: ValueKey.fixedSize, available: cell.length)
        }
        return .recordTruncated(cell: cell.offset, record: "vk (name)", needed: ValueKey.fixedSize + Int(cell.data.u16(2)),
                                available: cell.length)
    }

    public var offset: UInt32 { cell.offset }
    /// The raw size field: bit 31 set means the data sits in the data-offset field itself.
    public var rawDataSize: UInt32 { cell.data.u32(4) }
    public var dataOffset: UInt32 { cell.data.u32(8) }
    public var type: RegistryValueType { RegistryValueType(cell.data.u32(12)) }
    /// 0x1 the name is Latin-1; 0x2 a tombstone on a v1.6 layered hive.
    public var flags: UInt16 { cell.data.u16(16) }
    public var isInline: Bool { rawDataSize & 0x8000_0000 != 0 }
    /// The declared data length.
    public var declaredLength: Int { Int(rawDataSize & 0x7FFF_FFFF) }
    public var isTombstone: Bool { flags & 0x2 != 0 }

    public var storedName: StoredName { ValueKey.storedName(of: cell) }

    /// The stored name of a checked vk cell.
    static func storedName(of cell: Cell) -> StoredName {
        StoredName(pointer: cell.data + ValueKey.fixedSize, byteCount: Int(cell.data.u16(2)),
                   isCompressed: cell.data.u16(16) & 0x1 != 0)
    }
    /// The value's name; empty for the default value.
    public var name: RegistryName { storedName.name }
}

/// A value's data: a view into the hive when it is stored in one piece (inline or one cell), or
/// into an owned buffer when it was assembled from big-data segments. It keeps what it views
/// alive: the hive's storage, or the assembled buffer.
public struct ValueData {
    /// The bytes; `owner` keeps them alive (the hive's storage, or the assembled buffer).
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let owner: AnyObject
    /// The length the value record declares, when the bytes present are fewer (the cell size
    /// wins: regf-format.md §1, libregf's corruption notes).
    public let declaredLength: Int?

    @inlinable init(view: UnsafeRawBufferPointer, of storage: HiveStorage, declaredLength: Int? = nil) {
        buffer = view
        owner = storage
        self.declaredLength = declaredLength
    }

    @usableFromInline init(assembled: AssembledBytes) {
        buffer = UnsafeRawBufferPointer(assembled.buffer)
        owner = assembled
        declaredLength = nil
    }

    @inlinable public var count: Int { buffer.count }

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        defer { withExtendedLifetime(owner) {} }
        return try body(buffer)
    }

    /// A copy of the bytes.
    public var bytes: [UInt8] {
        defer { withExtendedLifetime(owner) {} }
        return Array(buffer)
    }
}

/// Big data put together from its segments, in memory of its own.
@usableFromInline final class AssembledBytes {
    @usableFromInline let buffer: UnsafeMutableRawBufferPointer

    init(byteCount: Int) {
        buffer = .allocate(byteCount: Swift.max(byteCount, 1), alignment: 8)
    }

    deinit { buffer.deallocate() }
}

extension Hive {
    /// Offsets of the key's values, in list order (the list is not sorted).
    @inlinable @inline(__always)
    public func valueOffsets(of key: NamedKey) throws(HiveError) -> UnsafeRawBufferPointer {
        let count = Int(key.valueCount)
        if count == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let list = try cell(at: key.valueListOffset, referencedBy: key.offset)
        guard count <= list.length / 4 else { throw valueListTooShort(key, list) }
        return UnsafeRawBufferPointer(start: list.data, count: count * 4)
    }

    @usableFromInline @inline(never)
    func valueListTooShort(_ key: NamedKey, _ list: Cell) -> HiveError {
        .badValueList(cell: list.offset,
                      reason: "key 0x\(hex(key.offset)) declares \(key.valueCount) values but the list cell holds \(list.length / 4)")
    }

    /// Calls `body` with each value of the key, in list order (each lent: Lending.swift).
    @inlinable @inline(__always)
    public func forEachValue(of key: NamedKey, _ body: (ValueKey) throws(HiveError) -> Void) throws(HiveError) {
        let list = try valueOffsets(of: key)
        guard let base = list.baseAddress else { return }
        let listOffset = key.valueListOffset
        for i in 0..<(list.count / 4) {
            let c = try ValueKey.checked(cell(at: base.u32(4 * i), referencedBy: listOffset), referencedBy: listOffset)
            try ValueKey.lend(c, of: storage) { v throws(HiveError) in try body(v) }
        }
    }

    @inlinable @inline(__always)
    public func value(at offset: UInt32, referencedBy: UInt32? = nil) throws(HiveError) -> ValueKey {
        try ValueKey(cell: cell(at: offset, referencedBy: referencedBy), referencedBy: referencedBy, owner: storage)
    }

    /// The value named `name` (case-insensitive; empty = the default value), or nil.
    public func value(of key: NamedKey, named name: RegistryName) throws(HiveError) -> ValueKey? {
        try name.codeUnits.withUnsafeBufferPointer { q throws(HiveError) in try value(of: key, named: q) }
    }

    /// `value(of:named:)` for a name held as code units: nothing is allocated.
    public func value(of key: NamedKey, named q: UnsafeBufferPointer<UInt16>) throws(HiveError) -> ValueKey? {
        let list = try valueOffsets(of: key)
        guard let base = list.baseAddress else { return nil }
        let listOffset = key.valueListOffset
        for i in 0..<(list.count / 4) {
            let v = try value(at: base.u32(4 * i), referencedBy: listOffset)
            if v.storedName.compare(to: q) == 0 { return v }
        }
        return nil
    }

    /// The value at `position` in list order (enumeration order), or nil past the end.
    public func value(of key: NamedKey, at position: Int) throws(HiveError) -> ValueKey? {
        let list = try valueOffsets(of: key)
        guard position >= 0, position < list.count / 4, let base = list.baseAddress else { return nil }
        return try value(at: base.u32(4 * position), referencedBy: key.valueListOffset)
    }

    /// The value's data. Inline data (≤ 4 bytes) comes from the record itself; one cell is read
    /// in place; big data (db) is assembled. When the declared size exceeds what is stored, the
    /// bytes present are returned and `declaredLength` says so.
    @inlinable @inline(__always)
    public func data(of value: ValueKey) throws(HiveError) -> ValueData {
        let (view, assembled, declaredLength) = try dataParts(of: value)
        if let assembled { return ValueData(assembled: assembled) }
        return ValueData(view: view, of: storage, declaredLength: declaredLength)
    }

    /// What `data(of:)` returns, unwrapped: a view into the storage (valid while it is), or the
    /// assembled bytes, and the declared length when the bytes present are fewer.
    @inlinable @inline(__always)
    func dataParts(of value: ValueKey) throws(HiveError) -> (UnsafeRawBufferPointer, AssembledBytes?, Int?) {
        let length = value.declaredLength
        if value.isInline {
            let n = Swift.min(length, 4)
            return (UnsafeRawBufferPointer(start: value.cell.data + 8, count: n), nil, n < length ? length : nil)
        }
        if length == 0 { return (UnsafeRawBufferPointer(start: nil, count: 0), nil, nil) }
        let c = try cell(at: value.dataOffset, referencedBy: value.offset)
        if length <= c.length {
            return (UnsafeRawBufferPointer(start: c.data, count: length), nil, nil)
        }
        if c.signature == Signature.db, let assembled = try bigData(c, length: length) {
            return (UnsafeRawBufferPointer(assembled.buffer), assembled, nil)
        }
        return (UnsafeRawBufferPointer(start: c.data, count: c.length), nil, length)
    }

    /// RegQueryValueEx's read, made without views (each would be a retain: Lending.swift): the
    /// type and size of the value named `q` (case-insensitive) of the key at `keyOffset`, its
    /// bytes copied into `buffer` when given and they fit (`fits`); nil when there is no such value.
    public func queryValue(ofKeyAt keyOffset: UInt32, named q: UnsafeBufferPointer<UInt16>,
                           into buffer: UnsafeMutableRawBufferPointer?) throws(HiveError) -> (type: RegistryValueType, size: Int, fits: Bool)? {
        let keyCell = try NamedKey.checked(cell(at: keyOffset), referencedBy: nil)
        return try NamedKey.lend(keyCell, of: storage) { key throws(HiveError) -> (type: RegistryValueType, size: Int, fits: Bool)? in
            let list = try valueOffsets(of: key)
            guard let base = list.baseAddress else { return nil }
            let listOffset = key.valueListOffset
            for i in 0..<(list.count / 4) {
                let c = try ValueKey.checked(cell(at: base.u32(4 * i), referencedBy: listOffset), referencedBy: listOffset)
                guard ValueKey.storedName(of: c).compare(to: q) == 0 else { continue }
                return try ValueKey.lend(c, of: storage) { v throws(HiveError) -> (type: RegistryValueType, size: Int, fits: Bool) in
                    let (bytes, assembled, _) = try dataParts(of: v)
                    var fits = false
                    if let buffer, bytes.count <= buffer.count {
                        if let src = bytes.baseAddress { buffer.baseAddress!.copyMemory(from: src, byteCount: bytes.count) }
                        fits = true
                    }
                    withExtendedLifetime(assembled) {}
                    return (v.type, bytes.count, fits)
                }
            }
            return nil
        }
    }
}
