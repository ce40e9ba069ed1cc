/// Free cells of an editable hive, found by size; allocation reuses and splits them, freeing
/// coalesces with free neighbours in the same bin, and when nothing fits a bin just big enough is
/// added at the end (never a fixed 4 KiB: one cell of any size fits its bin). Cells never cross
/// a bin boundary, and the map of allocated cell starts (`BinMap`) is kept true.
///
/// Buckets: exact sizes up to 1 KiB (one per 8 bytes), then one per power of two.
struct CellAllocator {
    /// Per bucket, the free cells in the order they were freed; `where` finds one for removal.
    /// Arrays, not sets: the same edits always allocate the same cells (sets iterate in a
    /// per-process random order).
    private var buckets: [[UInt32]] = Array(repeating: [], count: 128 + 22)
    private var position: [UInt32: Int] = [:]
    /// Bit b set: bucket b is not empty (so a search skips empty buckets a word at a time).
    private var nonEmpty: (UInt64, UInt64, UInt64) = (0, 0, 0)

    @inline(__always) private mutating func setBit(_ b: Int, _ on: Bool) {
        let m: UInt64 = 1 << UInt64(b & 63)
        switch b >> 6 {
        case 0: nonEmpty.0 = on ? nonEmpty.0 | m : nonEmpty.0 & ~m
        case 1: nonEmpty.1 = on ? nonEmpty.1 | m : nonEmpty.1 & ~m
        default: nonEmpty.2 = on ? nonEmpty.2 | m : nonEmpty.2 & ~m
        }
    }

    /// The first non-empty bucket at or after `b`, or nil.
    @inline(__always) private func nextBucket(from b: Int) -> Int? {
        var w = b >> 6
        var word = [nonEmpty.0, nonEmpty.1, nonEmpty.2][w] & (~0 << UInt64(b & 63))
        while true {
            if word != 0 { return w * 64 + word.trailingZeroBitCount }
            w += 1
            guard w < 3 else { return nil }
            word = w == 1 ? nonEmpty.1 : nonEmpty.2
        }
    }

    @inline(__always) static func bucket(_ size: UInt32) -> Int {
        if size < 1024 { return Int(size >> 3) }
        return 128 + (31 - size.leadingZeroBitCount) - 10
    }

    mutating func add(_ offset: UInt32, size: UInt32) {
        let b = Self.bucket(size)
        position[offset] = buckets[b].count
        buckets[b].append(offset)
        setBit(b, true)
    }

    mutating func remove(_ offset: UInt32, size: UInt32) {
        let b = Self.bucket(size)
        guard let i = position.removeValue(forKey: offset) else { return }
        let last = buckets[b].removeLast()
        if last != offset {
            buckets[b][i] = last
            position[last] = i
        }
        if buckets[b].isEmpty { setBit(b, false) }
    }

    /// A free cell of at least `size` bytes: the most recently freed of the smallest bucket
    /// that has one (recently freed memory is the likeliest to be in cache and dirty already).
    func find(_ size: UInt32, sizeAt: (UInt32) -> UInt32) -> UInt32? {
        var from = Self.bucket(size)
        while let b = nextBucket(from: from) {
            if b < 128 {
                if let o = buckets[b].last { return o }
            } else {
                for o in buckets[b].reversed() where sizeAt(o) >= size { return o }
            }
            from = b + 1
            if from >= buckets.count { break }
        }
        return nil
    }

    var freeCellCount: Int { position.count }
}

/// The 4 KiB pages of hive-bins data changed since the last flush, and whether the base block
/// changed: what a flush writes to the log and then to the primary. A bitmap (64 KiB covers the
/// 2 GiB a hive can address): marking a page is a shift and an or, on every store.
struct DirtyPages {
    private var bits = [UInt64](repeating: 0, count: 8192)
    private var low = Int.max, high = -1
    var baseBlock = false

    @inline(__always) mutating func mark(_ offset: UInt32, _ length: Int) {
        guard length > 0 else { return }
        let first = Int(offset >> 12), last = Int((UInt64(offset) + UInt64(length) - 1) >> 12)
        for p in first...last { bits[p >> 6] |= 1 << UInt64(p & 63) }
        if first < low { low = first }
        if last > high { high = last }
    }

    var isEmpty: Bool { high < 0 && !baseBlock }

    /// Runs of consecutive dirty pages as (hive-bins offset, byte count), in order.
    var runs: [(offset: UInt32, length: Int)] {
        var out: [(UInt32, Int)] = []
        guard high >= 0 else { return out }
        for p in low...high where bits[p >> 6] & (1 << UInt64(p & 63)) != 0 {
            let offset = UInt32(p) << 12
            if let last = out.last, last.0 + UInt32(last.1) == offset {
                out[out.count - 1].1 += 4096
            } else {
                out.append((offset, 4096))
            }
        }
        return out
    }

    mutating func clear() {
        if high >= 0 { for w in (low >> 6)...(high >> 6) { bits[w] = 0 } }
        low = Int.max
        high = -1
        baseBlock = false
    }
}
