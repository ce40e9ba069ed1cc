/// What `Hive.check()` found.
public struct CheckReport: Sendable {
    /// Broken rules: each names the cell or file offset and the rule. Empty = the hive is sound.
    public var problems: [String] = []
    /// Allowed but worth knowing (dirty base block, leaked cells).
    public var notes: [String] = []
    public var keys = 0
    public var values = 0
    public var securityCells = 0
    /// Allocated cells that nothing reachable from the root uses.
    public var leakedCells = 0
    public var leakedBytes = 0
    public var isSound: Bool { problems.isEmpty }
}

extension Hive {
    /// Checks every invariant of regf-format.md §1 and §3: the base block; every bin and its cell
    /// chain; from the root, every key (parent link, subkey lists sorted without duplicates and
    /// counted, lh hashes, no ri inside an ri, no cycles), every value and its data (inline,
    /// cell, db), class names; every sk (its reference count equals the keys using it, the
    /// flink/blink list is whole and holds them all). Every reference must reach an allocated
    /// cell; allocated cells nothing references are reported as leaks (a note, not a problem:
    /// Windows loads such hives). At most `limit` problems are listed.
    public func check(limit: Int = 100) -> CheckReport {
        var report = CheckReport()
        func problem(_ s: String) { if report.problems.count < limit { report.problems.append(s) } }
        let bb = baseBlock
        if bb.storedChecksum != bb.computedChecksum { problem("base block: checksum 0x\(hex(bb.storedChecksum)), computed 0x\(hex(bb.computedChecksum))") }
        if bb.primarySequence != bb.secondarySequence { report.notes.append("base block: dirty (sequence \(bb.primarySequence)/\(bb.secondarySequence))") }
        if bb.hiveBinsDataSize != binsLimit { problem("base block: hive-bins data size 0x\(hex(bb.hiveBinsDataSize)) but 0x\(hex(binsLimit)) bytes of bins are read") }

        // Bins and their cell chains; every allocated cell start, to find leaks.
        var allocated: [UInt32: UInt32] = [:]
        var pos: UInt32 = 0
        while pos < binsLimit {
            guard let size = binMap.headerSize(at: pos) else {
                problem("bin at file offset 0x\(hex(UInt64(pos) + 4096)): invalid header (signature, offset or size)")
                break
            }
            if cellHeaderSize == 4, let broken = BinMap.walkChain(bins: bins, from: Int(pos) + 32, to: Int(pos + size), layout: .standard,
                                                                allocated: { allocated[UInt32($0)] = UInt32(Int32(bitPattern: self.bins.u32($0)).magnitude) }) {
                problem("bin at file offset 0x\(hex(UInt64(pos) + 4096)): the cell at 0x\(hex(broken)) has an invalid size")
            }
            pos += size
        }

        var used = Set<UInt32>()
        var skUsers: [UInt32: UInt32] = [:]
        func use(_ o: UInt32) { used.insert(o) }
        do throws(HiveError) {
            let root = try rootKey()
            try walk(from: root) { key, _ throws(HiveError) -> WalkControl in
                report.keys += 1
                use(key.offset)
                do throws(HiveError) {
                    try checkKeyCells(key, use: use, problem: problem)
                    if key.securityOffset != 0xFFFF_FFFF {
                        _ = try security(of: key)
                        skUsers[key.securityOffset, default: 0] += 1
                    } else {
                        problem("key 0x\(hex(key.offset)) (\(key.name)): no security cell")
                    }
                    try forEachValue(of: key) { v throws(HiveError) in
                        report.values += 1
                        use(v.offset)
                        _ = try data(of: v)
                        try useDataCells(of: v, use: use)
                    }
                } catch {
                    problem("key 0x\(hex(key.offset)) (\(key.name)): \(error)")
                }
                return .descend
            }
        } catch {
            problem("\(error)")
        }

        // Security cells: counts and the list.
        for (sk, users) in skUsers.sorted(by: { $0.key < $1.key }) {
            use(sk)
            if let cell = try? securityCell(at: sk), cell.referenceCount != users {
                problem("sk 0x\(hex(sk)): reference count \(cell.referenceCount), but \(users) keys use it")
            }
        }
        report.securityCells = skUsers.count
        if let first = skUsers.keys.min() {
            var seen = Set<UInt32>()
            var at = first
            while seen.count <= skUsers.count + 1 {
                guard let cell = try? securityCell(at: at) else { problem("sk list: 0x\(hex(at)) is not an sk cell"); break }
                seen.insert(at)
                use(at)
                guard let next = try? securityCell(at: cell.flink) else { problem("sk 0x\(hex(at)): flink 0x\(hex(cell.flink)) is not an sk cell"); break }
                if next.blink != at { problem("sk 0x\(hex(cell.flink)): blink 0x\(hex(next.blink)), expected 0x\(hex(at))") }
                at = cell.flink
                if at == first { break }
                if seen.contains(at) { problem("sk list: a loop that does not return to 0x\(hex(first))"); break }
            }
            for sk in skUsers.keys where !seen.contains(sk) { problem("sk 0x\(hex(sk)) is used but not on the sk list") }
        }
        for (o, size) in allocated where !used.contains(o) {
            report.leakedCells += 1
            report.leakedBytes += Int(size)
        }
        if report.leakedCells > 0 {
            report.notes.append("\(report.leakedCells) allocated cells (\(report.leakedBytes) bytes) are not used by any key")
        }
        return report
    }

    /// Marks the key's list, value-list and class cells, and checks the lh hashes.
    private func checkKeyCells(_ key: NamedKey, use: (UInt32) -> Void, problem: (String) -> Void) throws(HiveError) {
        if key.valueCount > 0 { use(key.valueListOffset) }
        if key.classNameOffset != 0xFFFF_FFFF && key.classNameLength > 0 { use(key.classNameOffset) }
        guard key.subkeyCount > 0 else { return }
        let index = try SubkeyIndex(hive: self, key: key)
        use(index.root.offset)
        for l in 0..<index.leafCount {
            let leaf = try index.leaf(l, in: self)
            use(leaf.cell.offset)
            guard leaf.isHashLeaf else { continue }
            for i in 0..<leaf.count {
                let child = try self.key(at: leaf.offset(i))
                let name = child.storedName
                let h = name.lhHash
                if h != leaf.hash(i) {
                    problem("lh list 0x\(hex(leaf.cell.offset)) entry \(i) (\(name.name)): hash 0x\(hex(leaf.hash(i))), computed 0x\(hex(h))")
                }
            }
        }
    }

    private func useDataCells(of v: ValueKey, use: (UInt32) -> Void) throws(HiveError) {
        guard !v.isInline, v.declaredLength > 0 else { return }
        let c = try cell(at: v.dataOffset, referencedBy: v.offset)
        use(c.offset)
        if v.declaredLength > c.length, c.signature == Signature.db, c.length >= 8 {
            let list = c.data.u32(4)
            use(list)
            if let l = try? cell(at: list) {
                for i in 0..<Swift.min(Int(c.data.u16(2)), l.length / 4) { use(l.data.u32(4 * i)) }
            }
        }
    }
}
