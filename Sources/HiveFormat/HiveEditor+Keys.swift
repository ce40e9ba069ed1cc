/// Keys: create, delete (recursively), class names, and the parent's subkey list kept sorted in
/// Windows' order, with lh hashes / lf hints, split into an ri past what one leaf holds.
extension HiveEditor {
    /// Windows' limits (regf-format.md §7).
    public static let maxKeyNameLength = 255
    public static let maxDepth = 512
    /// Entries per leaf before the list becomes an ri (ReactOS cmindex.c: (4096 - 40) / 8 and
    /// (4096 - 40) / 4 - 1, a leaf that fits one 4 KiB bin).
    static let maxHashLeaf = 507
    static let maxIndexLeaf = 1013

    /// The key `name` under `parent`: the existing one (created = false), or a new one with
    /// `className` and, when given, `security` (a self-relative descriptor; otherwise the
    /// parent's is shared; inheritance is computed by the caller, which knows the rules).
    @discardableResult
    public func createKey(under parent: UInt32, named name: RegistryName, className: RegistryName? = nil,
                          security: [UInt8]? = nil) throws(HiveError) -> (offset: UInt32, created: Bool) {
        let units = name.codeUnits
        guard !units.isEmpty, units.count <= Self.maxKeyNameLength else {
            throw .refused(reason: "a key name must have 1 to \(Self.maxKeyNameLength) characters (\"\(name)\" has \(units.count))")
        }
        guard !units.contains(0x5C) else { throw .refused(reason: "a key name cannot contain a backslash (\"\(name)\")") }
        let parentKey = try hive.key(at: parent)
        if let existing = try hive.subkey(of: parentKey, named: name) { return (existing.offset, false) }
        guard try depth(of: parentKey) + 1 < Self.maxDepth else {
            throw .refused(reason: "a key cannot be more than \(Self.maxDepth) levels deep")
        }
        let compressed = units.allSatisfy { $0 <= 0xFF }
        let nameBytes = compressed ? units.count : units.count * 2
        let nk = try allocate(NamedKey.fixedSize + nameBytes)
        let p = data(nk)
        p.storeBytes(of: Signature.nk.littleEndian, toByteOffset: 0, as: UInt16.self)
        p.storeBytes(of: (compressed ? KeyFlags.compressedName.rawValue : 0).littleEndian, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: now.littleEndian, toByteOffset: 4, as: UInt64.self)
        p.storeBytes(of: parent.littleEndian, toByteOffset: 16, as: UInt32.self)
        for field in [28, 32, 40, 44, 48] {
            p.storeBytes(of: UInt32(0xFFFF_FFFF), toByteOffset: field, as: UInt32.self)
        }
        p.storeBytes(of: UInt16(nameBytes).littleEndian, toByteOffset: 72, as: UInt16.self)
        writeName(units, compressed: compressed, to: p + NamedKey.fixedSize)
        // Security: the given descriptor, or the parent's cell shared.
        let sk: UInt32
        if let security { sk = try securityCell(for: security) } else { sk = try retainSecurity(parentKey.securityOffset) }
        put32(nk, 44, sk)
        if let className, !className.isEmpty { try setClass(of: nk, to: className) }

        if try !insertInPlace(nk, named: units, under: parent) {
            var children: [UInt32] = []
            if let e = hive.appendSubkeys(of: parentKey, to: &children) { throw e }
            let at = try insertionPoint(of: units, in: children)
            children.insert(nk, at: at)
            try writeSubkeyList(of: parent, children)
        }
        let field = get32(parent, 52)
        if UInt32(units.count * 2) > field & 0xFFFF {
            put32(parent, 52, (field & 0xFFFF_0000) | UInt32(units.count * 2))
        }
        touch(parent)
        return (nk, true)
    }

    /// Deletes `key` and, when `recursive`, everything below it; without it a key with subkeys
    /// is refused (as RegDeleteKey does).
    public func deleteKey(_ key: UInt32, recursive: Bool = false) throws(HiveError) {
        guard key != hive.baseBlock.rootCellOffset else { throw .refused(reason: "the root key of a hive cannot be deleted") }
        let k = try hive.key(at: key)
        if !recursive && k.subkeyCount > 0 {
            throw .refused(reason: "key \"\(k.name)\" has \(k.subkeyCount) subkeys; delete them first or delete recursively")
        }
        let parent = k.parentOffset
        // Post-order, with an explicit stack: children are freed before the key listing them.
        var order: [UInt32] = []
        var stack = [key]
        while let next = stack.popLast() {
            order.append(next)
            var children: [UInt32] = []
            if let e = hive.appendSubkeys(of: try hive.key(at: next), to: &children) { throw e }
            stack += children
        }
        let units = k.name.codeUnits
        if try removeInPlace(key, named: units, under: parent) {
            for victim in order.reversed() { try freeKey(victim) }
            touch(parent)
            return
        }
        for victim in order.reversed() { try freeKey(victim) }
        // The parent's list still names the freed key: read its entries without the child checks.
        var children: [UInt32] = []
        if let e = hive.forEachListEntry(of: try hive.key(at: parent), { o, _, _ in children.append(o) }) { throw e }
        children.removeAll { $0 == key }
        try writeSubkeyList(of: parent, children)
        touch(parent)
    }

    /// Sets (or with nil removes) the key's class name.
    public func setClass(of key: UInt32, to className: RegistryName?) throws(HiveError) {
        let units = className?.codeUnits ?? []
        guard units.count <= 0x7FFF else { throw .refused(reason: "a class name is at most 32767 characters") }
        release(get32(key, 48))
        put32(key, 48, 0xFFFF_FFFF)
        put16(key, 74, 0)
        guard !units.isEmpty else { return }
        let c = try allocate(units.count * 2)
        writeName(units, compressed: false, to: data(c))
        put32(key, 48, c)
        put16(key, 74, UInt16(units.count * 2))
        if let parent = try hive.parent(of: hive.key(at: key)), get32(parent.offset, 56) < UInt32(units.count * 2) {
            put32(parent.offset, 56, UInt32(units.count * 2))
        }
    }

    /// Sets the key's last-written time to now.
    func touch(_ key: UInt32) { put64(key, 4, now) }

    func writeName(_ units: [UInt16], compressed: Bool, to p: UnsafeMutableRawPointer) {
        for (i, u) in units.enumerated() {
            if compressed { p.storeBytes(of: UInt8(u), toByteOffset: i, as: UInt8.self) }
            else { p.storeBytes(of: u.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        }
    }

    private func depth(of key: NamedKey) throws(HiveError) -> Int {
        var d = 0
        var k = key
        while let p = try hive.parent(of: k) {
            d += 1
            k = p
            if d > Self.maxDepth { break }
        }
        return d
    }

    func insertionPoint(of units: [UInt16], in children: [UInt32]) throws(HiveError) -> Int {
        var lo = 0, hi = children.count
        try units.withUnsafeBufferPointer { q throws(HiveError) in
            while lo < hi {
                let mid = (lo + hi) / 2
                if try hive.key(at: children[mid]).storedName.compare(to: q) < 0 { lo = mid + 1 } else { hi = mid }
            }
        }
        return lo
    }

    /// Frees one key's own cells (values, class, list cells, its share of the sk, the nk).
    func freeKey(_ key: UInt32) throws(HiveError) {
        let k = try hive.key(at: key)
        var values: [UInt32] = []
        let list = try hive.valueOffsets(of: k)
        if let base = list.baseAddress { for i in 0..<(list.count / 4) { values.append(base.u32(4 * i)) } }
        for v in values { try freeValue(v) }
        release(k.valueListOffset)
        release(k.classNameOffset)
        try freeSubkeyList(of: k)
        try releaseSecurity(k.securityOffset)
        release(key)
    }

    func freeSubkeyList(of key: NamedKey) throws(HiveError) {
        guard key.subkeyListOffset != 0xFFFF_FFFF, hive.cellIsAllocated(key.subkeyListOffset) else { return }
        let list = try hive.cell(at: key.subkeyListOffset, referencedBy: key.offset)
        if list.signature == Signature.ri {
            for i in 0..<Int(list.data.u16(2)) { release(list.data.u32(4 + 4 * i)) }
        }
        release(list.offset)
    }

    /// Replaces the key's subkey list by one holding `children` (sorted already). A single leaf
    /// is rewritten where it is when it can grow in place; an ri is rebuilt.
    func writeSubkeyList(of key: UInt32, _ children: [UInt32]) throws(HiveError) {
        let minor = hive.baseBlock.minorVersion
        let kind: UInt16 = minor >= 5 ? Signature.lh : minor >= 3 ? Signature.lf : Signature.li
        let stride = kind == Signature.li ? 4 : 8
        let perLeaf = kind == Signature.li ? Self.maxIndexLeaf : Self.maxHashLeaf
        let old = get32(key, 28)
        var reuse: UInt32?
        if !children.isEmpty, children.count <= perLeaf, old != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(old),
           get16(old, 0) != Signature.ri {
            reuse = try reallocate(old, to: 4 + stride * children.count)
        } else {
            try freeSubkeyList(of: hive.key(at: key))
        }
        put32(key, 20, UInt32(children.count))
        guard !children.isEmpty else {
            put32(key, 28, 0xFFFF_FFFF)
            return
        }
        if children.count <= perLeaf {
            put32(key, 28, try writeLeaf(kind, stride: stride, children[...], into: reuse))
            return
        }
        // Leaves of equal size, none over the limit, under one ri.
        let leaves = (children.count + perLeaf - 1) / perLeaf
        let chunk = (children.count + leaves - 1) / leaves
        var offsets: [UInt32] = []
        var i = 0
        while i < children.count {
            offsets.append(try writeLeaf(kind, stride: stride, children[i..<Swift.min(i + chunk, children.count)]))
            i += chunk
        }
        let ri = try allocate(4 + 4 * offsets.count)
        let p = data(ri)
        p.storeBytes(of: Signature.ri.littleEndian, toByteOffset: 0, as: UInt16.self)
        p.storeBytes(of: UInt16(offsets.count).littleEndian, toByteOffset: 2, as: UInt16.self)
        for (j, o) in offsets.enumerated() { p.storeBytes(of: o.littleEndian, toByteOffset: 4 + 4 * j, as: UInt32.self) }
        put32(key, 28, ri)
    }

    private func writeLeaf(_ kind: UInt16, stride: Int, _ children: ArraySlice<UInt32>,
                           into existing: UInt32? = nil) throws(HiveError) -> UInt32 {
        let leaf: UInt32
        if let existing { leaf = existing } else { leaf = try allocate(4 + stride * children.count) }
        dirty.mark(leaf, 4 + 4 + stride * children.count)
        let p = data(leaf)
        p.storeBytes(of: kind.littleEndian, toByteOffset: 0, as: UInt16.self)
        p.storeBytes(of: UInt16(children.count).littleEndian, toByteOffset: 2, as: UInt16.self)
        for (j, child) in children.enumerated() {
            p.storeBytes(of: child.littleEndian, toByteOffset: 4 + stride * j, as: UInt32.self)
            guard stride == 8 else { continue }
            let name = try hive.key(at: child).storedName
            let extra = kind == Signature.lh ? name.lhHash : Self.lfHint(name.units)
            p.storeBytes(of: extra.littleEndian, toByteOffset: 8 + stride * j, as: UInt32.self)
        }
        return leaf
    }
}
