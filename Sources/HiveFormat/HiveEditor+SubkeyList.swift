/// Changing one entry of a subkey list in place, touching one leaf (as Windows' CmpAddSubKeyToList
/// does): a key with 100,000 subkeys gains or loses one without its list being rebuilt. When
/// the leaf is full, or the list is not what this hive version writes, the caller rebuilds it.
extension HiveEditor {
    /// The leaf that holds (or would hold) `name` and, for an ri, its slot there.
    private func leaf(for name: UnsafeBufferPointer<UInt16>, in list: UInt32) throws(HiveError) -> (leaf: UInt32, slot: Int?) {
        guard get16(list, 0) == Signature.ri else { return (list, nil) }
        let n = Int(get16(list, 2))
        guard n > 0 else { throw .badSubkeyList(cell: list, reason: "an empty ri index") }
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            let leaf = get32(list, 4 + 4 * mid)
            let count = Int(get16(leaf, 2))
            if count == 0 { lo = mid + 1; continue }
            let last = try hive.key(at: get32(leaf, 4 + stride(of: leaf) * (count - 1)))
            if last.storedName.compare(to: name) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return (get32(list, 4 + 4 * lo), lo)
    }

    private func stride(of leaf: UInt32) -> Int { get16(leaf, 0) == Signature.li ? 4 : 8 }

    /// The first entry of `leaf` whose name is not below `name`.
    private func position(of name: UnsafeBufferPointer<UInt16>, in leaf: UInt32) throws(HiveError) -> Int {
        let s = stride(of: leaf)
        var lo = 0, hi = Int(get16(leaf, 2))
        while lo < hi {
            let mid = (lo + hi) / 2
            if try hive.key(at: get32(leaf, 4 + s * mid)).storedName.compare(to: name) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Inserts the new key `child` (named `units`) into `parent`'s list in place; false when the
    /// list has to be rebuilt instead.
    func insertInPlace(_ child: UInt32, named units: [UInt16], under parent: UInt32) throws(HiveError) -> Bool {
        let list = get32(parent, 28)
        guard get32(parent, 20) > 0, list != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(list) else { return false }
        let minor = hive.baseBlock.minorVersion
        let kind: UInt16 = minor >= 5 ? Signature.lh : minor >= 3 ? Signature.lf : Signature.li
        return try units.withUnsafeBufferPointer { q throws(HiveError) -> Bool in
            let (leaf, slot) = try leaf(for: q, in: list)
            guard get16(leaf, 0) == kind else { return false }
            let s = stride(of: leaf)
            let count = Int(get16(leaf, 2))
            let at = try position(of: q, in: leaf)
            let extra = s == 8 ? (kind == Signature.lh ? WindowsCase.lhHash(q) : Self.lfHint(q)) : 0
            if count >= (kind == Signature.li ? Self.maxIndexLeaf : Self.maxHashLeaf) {
                try split(leaf, kind: kind, stride: s, inserting: child, extra: extra, at: at, slot: slot, list: list, parent: parent)
                put32(parent, 20, get32(parent, 20) + 1)
                return true
            }
            let moved = try reallocate(leaf, to: 4 + s * (count + 1))
            let p = data(moved)
            (p + 4 + s * (at + 1)).copyMemory(from: p + 4 + s * at, byteCount: s * (count - at))
            p.storeBytes(of: child.littleEndian, toByteOffset: 4 + s * at, as: UInt32.self)
            if s == 8 { p.storeBytes(of: extra.littleEndian, toByteOffset: 8 + s * at, as: UInt32.self) }
            p.storeBytes(of: UInt16(count + 1).littleEndian, toByteOffset: 2, as: UInt16.self)
            dirty.mark(moved, 4 + 4 + s * (count + 1))
            if moved != leaf {
                if let slot { put32(list, 4 + 4 * slot, moved) } else { put32(parent, 28, moved) }
            }
            put32(parent, 20, get32(parent, 20) + 1)
            return true
        }
    }

    /// A full leaf becomes two halves with the new entry in place; the ri gains a slot (a lone
    /// leaf becomes an ri of two). Entries are copied as bytes: their hashes stay valid.
    private func split(_ leaf: UInt32, kind: UInt16, stride s: Int, inserting child: UInt32, extra: UInt32, at: Int,
                       slot: Int?, list: UInt32, parent: UInt32) throws(HiveError) {
        let count = Int(get16(leaf, 2))
        var entries = [UInt8](repeating: 0, count: s * (count + 1))
        entries.withUnsafeMutableBytes { e in
            let src = UnsafeRawPointer(data(leaf)) + 4
            e.baseAddress!.copyMemory(from: src, byteCount: s * at)
            e.baseAddress!.storeBytes(of: child.littleEndian, toByteOffset: s * at, as: UInt32.self)
            if s == 8 { e.baseAddress!.storeBytes(of: extra.littleEndian, toByteOffset: s * at + 4, as: UInt32.self) }
            (e.baseAddress! + s * (at + 1)).copyMemory(from: src + s * at, byteCount: s * (count - at))
        }
        let half = (count + 1) / 2
        var halves: [UInt32] = []
        for range in [0..<half, half..<(count + 1)] {
            let cell = try allocate(4 + s * range.count)
            let p = data(cell)
            p.storeBytes(of: kind.littleEndian, toByteOffset: 0, as: UInt16.self)
            p.storeBytes(of: UInt16(range.count).littleEndian, toByteOffset: 2, as: UInt16.self)
            entries.withUnsafeBytes { (p + 4).copyMemory(from: $0.baseAddress! + s * range.lowerBound, byteCount: s * range.count) }
            dirty.mark(cell, 4 + 4 + s * range.count)
            halves.append(cell)
        }
        release(leaf)
        if let slot {
            let n = Int(get16(list, 2))
            let ri = try reallocate(list, to: 4 + 4 * (n + 1))
            let p = data(ri)
            (p + 4 + 4 * (slot + 2)).copyMemory(from: p + 4 + 4 * (slot + 1), byteCount: 4 * (n - slot - 1))
            p.storeBytes(of: halves[0].littleEndian, toByteOffset: 4 + 4 * slot, as: UInt32.self)
            p.storeBytes(of: halves[1].littleEndian, toByteOffset: 4 + 4 * (slot + 1), as: UInt32.self)
            p.storeBytes(of: UInt16(n + 1).littleEndian, toByteOffset: 2, as: UInt16.self)
            dirty.mark(ri, 4 + 4 + 4 * (n + 1))
            if ri != list { put32(parent, 28, ri) }
        } else {
            let ri = try allocate(4 + 8)
            let p = data(ri)
            p.storeBytes(of: Signature.ri.littleEndian, toByteOffset: 0, as: UInt16.self)
            p.storeBytes(of: UInt16(2).littleEndian, toByteOffset: 2, as: UInt16.self)
            p.storeBytes(of: halves[0].littleEndian, toByteOffset: 4, as: UInt32.self)
            p.storeBytes(of: halves[1].littleEndian, toByteOffset: 8, as: UInt32.self)
            dirty.mark(ri, 4 + 12)
            put32(parent, 28, ri)
        }
    }

    /// Removes `child` (named `units`) from `parent`'s list in place; false when the list has to
    /// be rebuilt instead (the leaf would be left empty, or the entry is not where its name says).
    func removeInPlace(_ child: UInt32, named units: [UInt16], under parent: UInt32) throws(HiveError) -> Bool {
        let list = get32(parent, 28)
        guard get32(parent, 20) > 1, list != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(list) else { return false }
        return try units.withUnsafeBufferPointer { q throws(HiveError) -> Bool in
            let (leaf, _) = try leaf(for: q, in: list)
            let s = stride(of: leaf)
            let count = Int(get16(leaf, 2))
            guard count > 1 else { return false }
            let at = try position(of: q, in: leaf)
            guard at < count, get32(leaf, 4 + s * at) == child else { return false }
            let p = data(leaf)
            (p + 4 + s * at).copyMemory(from: p + 4 + s * (at + 1), byteCount: s * (count - at - 1))
            p.storeBytes(of: UInt16(count - 1).littleEndian, toByteOffset: 2, as: UInt16.self)
            dirty.mark(leaf, 4 + 4 + s * count)
            put32(parent, 20, get32(parent, 20) - 1)
            return true
        }
    }

    /// lf's hint: the first four characters as Latin-1, NUL-padded (0 for a wider one).
    static func lfHint(_ name: some Sequence<UInt16>) -> UInt32 {
        var hint: UInt32 = 0
        for (i, u) in name.prefix(4).enumerated() {
            hint |= UInt32(u <= 0xFF ? UInt8(u) : 0) << UInt32(8 * i)
        }
        return hint
    }

    /// Deletes every key below `key` (not the key): each subtree freed once, the list once.
    public func deleteAllSubkeys(of key: UInt32) throws(HiveError) {
        var order: [UInt32] = []
        var children: [UInt32] = []
        if let e = hive.appendSubkeys(of: try hive.key(at: key), to: &children) { throw e }
        var stack = children
        while let next = stack.popLast() {
            order.append(next)
            var below: [UInt32] = []
            if let e = hive.appendSubkeys(of: try hive.key(at: next), to: &below) { throw e }
            stack += below
        }
        try freeSubkeyList(of: hive.key(at: key))
        for victim in order.reversed() { try freeKey(victim) }
        put32(key, 20, 0)
        put32(key, 28, 0xFFFF_FFFF)
        touch(key)
    }
}
