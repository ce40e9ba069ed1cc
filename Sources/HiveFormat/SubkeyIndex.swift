/// Subkey lists: li (offsets), lf (offset + 4-byte name hint), lh (offset + name hash), and ri
/// (a list of li/lf/lh leaves). Entries are sorted across the whole list by the upper-cased name.
struct IndexLeaf {
    let cell: Cell
    let count: Int
    /// Bytes per entry: 4 for li, 8 for lf/lh.
    let stride: Int
    let isHashLeaf: Bool

    // Read once for every key with subkeys in a walk: inline, with the messages out of line.
    @inline(always) init(cell: Cell, referencedBy: UInt32?) throws(HiveError) {
        let sig = cell.signature
        switch sig {
        case Signature.li: stride = 4
        case Signature.lf, Signature.lh: stride = 8
        default: throw IndexLeaf.whyNot(cell, referencedBy: referencedBy, stride: nil)
        }
        count = cell.length >= 4 ? Int(cell.data.u16(2)) : 0
        guard cell.length >= 4, 4 + count * stride <= cell.length else {
            throw IndexLeaf.whyNot(cell, referencedBy: referencedBy, stride: stride)
        }
        isHashLeaf = sig == Signature.lh
        self.cell = cell
    }

    /// The rule `init` found broken: the signature (no `stride`), or the length.
    @inline(never)
    static func whyNot(_ cell: Cell, referencedBy: UInt32?, stride: Int?) -> HiveError {
        guard let stride else {
            if cell.signature == Signature.ri {
                return .badSubkeyList(cell: cell.offset, reason: "an ri index points to another ri index (0x\(hex(referencedBy ?? 0)) → 0x\(hex(cell.offset)))")
            }
            return .wrongSignature(cell: cell.offset, expected: "subkey list (li/lf/lh)",
                                   found: cell.length >= 2 ? cell.data.signature(0) : "", referencedBy: referencedBy)
        }
        guard cell.length >= 4 else {
            return .recordTruncated(cell: cell.offset, record: "subkey list", needed: 4, available: cell.length)
        }
        let count = Int(cell.data.u16(2))
        return .recordTruncated(cell: cell.offset, record: "subkey list", needed: 4 + count * stride, available: cell.length)
    }

    @inline(__always) func offset(_ i: Int) -> UInt32 { cell.data.u32(4 + i * stride) }
    @inline(__always) func hash(_ i: Int) -> UInt32 { cell.data.u32(8 + i * stride) }
}

/// The leaves of a key's subkey list, in order: one leaf, or the leaves of an ri.
struct SubkeyIndex {
    let root: Cell
    let isIndexRoot: Bool
    let leafCount: Int

    @inline(always) init(hive: Hive, key: NamedKey) throws(HiveError) {
        try self.init(hive: hive, keyCell: key.cell)
    }

    /// From the key's checked nk cell (the walk holds cells, not keys).
    @inline(always) init(hive: Hive, keyCell: Cell) throws(HiveError) {
        let c = try hive.cell(at: keyCell.data.u32(28) /* subkey list */, referencedBy: keyCell.offset)
        root = c
        if c.signature == Signature.ri {
            let n = c.length >= 4 ? Int(c.data.u16(2)) : 0
            guard c.length >= 4, 4 + 4 * n <= c.length else {
                throw .recordTruncated(cell: c.offset, record: "ri", needed: c.length >= 4 ? 4 + 4 * n : 4, available: c.length)
            }
            isIndexRoot = true
            leafCount = n
        } else {
            isIndexRoot = false
            leafCount = 1
        }
    }

    @inline(__always) func leaf(_ i: Int, in hive: Hive) throws(HiveError) -> IndexLeaf {
        if !isIndexRoot { return try IndexLeaf(cell: root, referencedBy: nil) }
        return try IndexLeaf(cell: hive.cell(at: root.data.u32(4 + 4 * i), referencedBy: root.offset),
                             referencedBy: root.offset)
    }
}

extension Hive {
    /// Appends the offsets of `key`'s subkeys, in list order, to `children`, checking the list
    /// (signatures, lengths, no nested ri, the count the key declares) and each child
    /// (`checkListedChild`). Returns the first rule broken, or nil; the children before it stay
    /// appended, so a salvaging caller keeps what was readable.
    public func appendSubkeys(of key: NamedKey, to children: inout [UInt32]) -> HiveError? {
        var previous: NamedKey?
        return forEachListEntry(of: key) { (offset, list, entry) throws(HiveError) in
            let child = try self.key(at: offset, referencedBy: list)
            try checkListedChild(child, of: key.offset, list: list, after: previous?.cell, entry: entry)
            previous = child
            children.append(offset)
        }
    }

    /// Calls `body` with each entry of `key`'s subkey list — the child's offset, the leaf that
    /// lists it, its position — checking the list itself but not the children (the walk checks
    /// each child when it reaches it, so a child is read once, when its subtree is walked).
    /// Returns the first rule broken, by the list or by `body`, or nil.
    @inline(__always)
    func forEachListEntry(
        of key: NamedKey, _ body: (_ offset: UInt32, _ list: UInt32, _ entry: Int) throws(HiveError) -> Void
    ) -> HiveError? {
        forEachListLeaf(of: key.cell) { leaf, take, first throws(HiveError) in
            for i in 0..<take { try body(leaf.offset(i), leaf.cell.offset, first + i) }
        }
    }

    /// `forEachListEntry` a leaf at a time: `body` gets each leaf, how many of its entries
    /// count (the key's declared total caps them) and the position of its first. The walk reads
    /// a leaf's entries in one loop of its own rather than through a closure call per entry.
    @inline(__always)
    func forEachListLeaf(
        of key: Cell, _ body: (_ leaf: IndexLeaf, _ take: Int, _ first: Int) throws(HiveError) -> Void
    ) -> HiveError? {
        let declared = Int(key.data.u32(20))  // the nk's subkey count
        if declared == 0 { return nil }
        do throws(HiveError) {
            let index = try SubkeyIndex(hive: self, keyCell: key)
            var seen = 0  // entries in the list, all leaves
            for l in 0..<index.leafCount {
                let leaf = try index.leaf(l, in: self)
                try body(leaf, Swift.min(leaf.count, Swift.max(declared - seen, 0)), seen)
                seen += leaf.count
            }
            if seen != declared {
                throw .badSubkeyList(cell: index.root.offset,
                                     reason: "key 0x\(hex(key.offset)) declares \(declared) subkeys, its list holds \(seen)")
            }
            return nil
        } catch {
            return error
        }
    }

    /// What a listed child must be: a key naming `parent` as its parent, with a name strictly
    /// after the previous entry's in Windows' order (so duplicates fail too).
    func checkListedChild(_ child: NamedKey, of parent: UInt32, list: UInt32, after previous: Cell?,
                          entry: Int) throws(HiveError) {
        guard isListedChild(child.cell, of: parent, after: previous) else {
            throw listedChildError(child, of: parent, list: list, after: previous, entry: entry)
        }
    }

    /// `checkListedChild` as a test, for the walk, which runs it for every key (inline, with the
    /// message built out of line).
    /// The walk passes cells (`parent`'s offset, the previous sibling's nk cell), not keys:
    /// keys on its stacks would cost a retain each.
    @inline(always)
    func isListedChild(_ child: Cell, of parent: UInt32, after previous: Cell?) -> Bool {
        guard child.data.u32(16) == parent else { return false }  // the nk's parent offset
        guard let previous else { return true }
        return NamedKey.storedName(of: previous).sortsBefore(NamedKey.storedName(of: child))
    }

    /// The rule `isListedChild` found broken: the parent link, or the order after `previous`.
    @inline(never)
    func listedChildError(_ child: NamedKey, of parent: UInt32, list: UInt32, after previous: Cell?,
                          entry: Int) -> HiveError {
        guard child.parentOffset == parent, let previous else {
            return .badSubkeyList(cell: list,
                                  reason: "key 0x\(hex(child.offset)) names parent 0x\(hex(child.parentOffset)) but is listed under 0x\(hex(parent))")
        }
        let name = child.storedName, before = NamedKey.storedName(of: previous)
        return .badSubkeyList(cell: list,
                              reason: before.compare(to: name) == 0
                                ? "duplicate subkey \"\(name.name)\" (entry \(entry))"
                                : "subkeys out of order: \"\(before.name)\" before \"\(name.name)\" (entry \(entry))")
    }

    /// The subkeys of `key`, checked as `appendSubkeys` does; throws on the first broken rule.
    public func subkeys(of key: NamedKey) throws(HiveError) -> [NamedKey] {
        var offsets: [UInt32] = []
        if let e = appendSubkeys(of: key, to: &offsets) { throw e }
        var keys: [NamedKey] = []
        keys.reserveCapacity(offsets.count)
        for o in offsets { keys.append(try self.key(at: o)) }
        return keys
    }

    /// Finds the subkey `name` (case-insensitive): a binary search picks the leaf of an ri and
    /// searches li/lf leaves; in lh leaves the hash rejects non-matching entries without reading
    /// their keys.
    public func subkey(of key: NamedKey, named name: RegistryName) throws(HiveError) -> NamedKey? {
        if key.subkeyCount == 0 { return nil }
        return try name.codeUnits.withUnsafeBufferPointer { q throws(HiveError) in try subkey(of: key, named: q) }
    }

    /// `subkey(of:named:)` for a name the caller holds as code units (a path being parsed), so a
    /// lookup allocates nothing.
    public func subkey(of key: NamedKey, named q: UnsafeBufferPointer<UInt16>) throws(HiveError) -> NamedKey? {
        try subkeyCell(of: key, named: q).map { NamedKey(checked: $0, owner: storage) }
    }

    /// The live registry's path walk, one step: the offset of the subkey `q` of the key at
    /// `keyOffset`, and whether it is a symbolic link — with no key made on the way (each would
    /// be a retain: Lending.swift).
    public func subkeyOffset(ofKeyAt keyOffset: UInt32, named q: UnsafeBufferPointer<UInt16>) throws(HiveError) -> (offset: UInt32, isSymbolicLink: Bool)? {
        let keyCell = try NamedKey.checked(cell(at: keyOffset), referencedBy: nil)
        return try NamedKey.lend(keyCell, of: storage) { key throws(HiveError) -> (offset: UInt32, isSymbolicLink: Bool)? in
            guard let found = try subkeyCell(of: key, named: q) else { return nil }
            return (found.offset, KeyFlags(rawValue: found.data.u16(2)).contains(.symbolicLink))
        }
    }

    /// The checked nk cell of the subkey `q`, or nil.
    func subkeyCell(of key: NamedKey, named q: UnsafeBufferPointer<UInt16>) throws(HiveError) -> Cell? {
        if key.subkeyCount == 0 { return nil }
        let index = try SubkeyIndex(hive: self, key: key)
        let hash = WindowsCase.lhHash(q)
        do {
            // Choose the leaf: the first whose last entry is not below the name.
            var lo = 0, hi = index.leafCount - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                let leaf = try index.leaf(mid, in: self)
                guard leaf.count > 0 else { lo = mid + 1; continue }
                // Cells, not keys, until the one returned: a key is a retain (Lending.swift).
                let last = try NamedKey.checked(cell(at: leaf.offset(leaf.count - 1), referencedBy: leaf.cell.offset),
                                                referencedBy: leaf.cell.offset)
                if NamedKey.storedName(of: last).compare(to: q) < 0 { lo = mid + 1 } else { hi = mid }
            }
            guard index.leafCount > 0 else { return nil }
            let leaf = try index.leaf(lo, in: self)
            if leaf.isHashLeaf {
                // As Windows does (CmpFindSubKeyByHash): scan the hashes, which sit together in
                // the leaf, and read a key's name only when its hash matches.
                for i in 0..<leaf.count where leaf.hash(i) == hash {
                    let candidate = try NamedKey.checked(cell(at: leaf.offset(i), referencedBy: leaf.cell.offset),
                                                         referencedBy: leaf.cell.offset)
                    if NamedKey.storedName(of: candidate).compare(to: q) == 0 { return candidate }
                }
                return nil
            }
            var a = 0, b = leaf.count - 1
            while a <= b {
                let mid = (a + b) / 2
                let candidate = try NamedKey.checked(cell(at: leaf.offset(mid), referencedBy: leaf.cell.offset),
                                                     referencedBy: leaf.cell.offset)
                let order = NamedKey.storedName(of: candidate).compare(to: q)
                if order == 0 { return candidate }
                if order < 0 { a = mid + 1 } else { b = mid - 1 }
            }
            return nil
        }
    }

    /// The subkey at `position` in list order (Windows' enumeration order), or nil past the end.
    /// An ri is indexed leaf by leaf, so enumerating costs one step per leaf, not per entry.
    public func subkey(of key: NamedKey, at position: Int) throws(HiveError) -> NamedKey? {
        guard position >= 0, position < Int(key.subkeyCount) else { return nil }
        let index = try SubkeyIndex(hive: self, key: key)
        var skipped = 0
        for l in 0..<index.leafCount {
            let leaf = try index.leaf(l, in: self)
            if position < skipped + leaf.count {
                return try self.key(at: leaf.offset(position - skipped), referencedBy: leaf.cell.offset)
            }
            skipped += leaf.count
        }
        throw .badSubkeyList(cell: index.root.offset,
                             reason: "key 0x\(hex(key.offset)) declares \(key.subkeyCount) subkeys, its list holds \(skipped)")
    }
}
