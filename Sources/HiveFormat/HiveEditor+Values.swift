/// Values: set (create or replace) and delete; data inline (≤ 4 bytes), in one cell, or as big
/// data (db, every segment a full 16344-byte cell) when the hive's version has it.
extension HiveEditor {
    public static let maxValueNameLength = 16_383

    /// Sets the value `name` (empty = the default value) of `key` to `type` and `bytes`.
    public func setValue(of key: UInt32, named name: RegistryName, type: UInt32, bytes: [UInt8]) throws(HiveError) {
        let units = name.codeUnits
        guard units.count <= Self.maxValueNameLength else {
            throw .refused(reason: "a value name is at most \(Self.maxValueNameLength) characters (this one has \(units.count))")
        }
        let k = try hive.key(at: key)
        let vk: UInt32
        if let existing = try hive.value(of: k, named: name) {
            vk = existing.offset
            freeData(of: vk)
        } else {
            let compressed = units.allSatisfy { $0 <= 0xFF }
            let nameBytes = compressed ? units.count : units.count * 2
            vk = try allocate(20 + nameBytes)
            let p = data(vk)
            p.storeBytes(of: Signature.vk.littleEndian, toByteOffset: 0, as: UInt16.self)
            p.storeBytes(of: UInt16(nameBytes).littleEndian, toByteOffset: 2, as: UInt16.self)
            p.storeBytes(of: UInt16(compressed && !units.isEmpty ? 1 : 0).littleEndian, toByteOffset: 16, as: UInt16.self)
            writeName(units, compressed: compressed, to: p + 20)
            var list = valueList(of: k)
            list.append(vk)
            try writeValueList(of: key, list)
            let field = get32(key, 60)
            if UInt32(units.count * 2) > field { put32(key, 60, UInt32(units.count * 2)) }
        }
        put32(vk, 12, type)
        try storeData(bytes, in: vk)
        if UInt32(bytes.count) > get32(key, 64) { put32(key, 64, UInt32(bytes.count)) }
        touch(key)
    }

    /// Deletes the value `name`; false when there is none.
    @discardableResult
    public func deleteValue(of key: UInt32, named name: RegistryName) throws(HiveError) -> Bool {
        let k = try hive.key(at: key)
        guard let v = try hive.value(of: k, named: name) else { return false }
        var list = valueList(of: k)
        list.removeAll { $0 == v.offset }
        try freeValue(v.offset)
        try writeValueList(of: key, list)
        touch(key)
        return true
    }

    func valueList(of key: NamedKey) -> [UInt32] {
        guard let raw = try? hive.valueOffsets(of: key), let base = raw.baseAddress else { return [] }
        return (0..<(raw.count / 4)).map { base.u32(4 * $0) }
    }

    private func writeValueList(of key: UInt32, _ list: [UInt32]) throws(HiveError) {
        let old = get32(key, 40)
        put32(key, 36, UInt32(list.count))
        guard !list.isEmpty else {
            release(old)
            put32(key, 40, 0xFFFF_FFFF)
            return
        }
        let cell = old != 0xFFFF_FFFF && hive.binMap.isAllocatedCell(old)
            ? try reallocate(old, to: 4 * list.count) : try allocate(4 * list.count)
        dirty.mark(cell, 4 + 4 * list.count)
        for (i, v) in list.enumerated() { data(cell).storeBytes(of: v.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        put32(key, 40, cell)
    }

    func freeValue(_ vk: UInt32) throws(HiveError) {
        freeData(of: vk)
        release(vk)
    }

    /// Frees the data a vk points to (a cell, or a db with its list and segments).
    private func freeData(of vk: UInt32) {
        let size = get32(vk, 4), offset = get32(vk, 8)
        guard size & 0x8000_0000 == 0, size != 0, offset != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(offset) else { return }
        if Int(size) > Hive.bigDataSegmentSize, hive.baseBlock.minorVersion >= 4, get16(offset, 0) == Signature.db {
            let list = get32(offset, 4)
            if hive.binMap.isAllocatedCell(list) {
                for i in 0..<Int(get16(offset, 2)) { release(get32(list, 4 * i)) }
                release(list)
            }
        }
        release(offset)
    }

    private func storeData(_ bytes: [UInt8], in vk: UInt32) throws(HiveError) {
        guard bytes.count < 0x8000_0000 else { throw .refused(reason: "value data of \(bytes.count) bytes is too big") }
        if bytes.count <= 4 {
            var word: UInt32 = 0
            for (i, b) in bytes.enumerated() { word |= UInt32(b) << UInt32(8 * i) }
            put32(vk, 4, UInt32(bytes.count) | 0x8000_0000)
            put32(vk, 8, word)
            return
        }
        put32(vk, 4, UInt32(bytes.count))
        let segment = Hive.bigDataSegmentSize
        if bytes.count <= segment || hive.baseBlock.minorVersion < 4 {
            let cell = try allocate(bytes.count)
            bytes.withUnsafeBytes { putBytes(cell, 0, $0) }
            put32(vk, 8, cell)
            return
        }
        let count = (bytes.count + segment - 1) / segment
        let db = try allocate(8)
        let list = try allocate(4 * count)
        put16(db, 0, Signature.db)
        put16(db, 2, UInt16(count))
        put32(db, 4, list)
        for i in 0..<count {
            // Every segment is a full 16,344-byte cell, the last one too: Windows allocates
            // them so (corpus db cells are all 16,352 bytes) and libhivex reads them so.
            let take = Swift.min(segment, bytes.count - i * segment)
            let cell = try allocate(segment)
            bytes.withUnsafeBytes { putBytes(cell, 0, UnsafeRawBufferPointer(rebasing: $0[(i * segment)..<(i * segment + take)])) }
            put32(list, 4 * i, cell)
        }
        put32(vk, 8, db)
    }
}
