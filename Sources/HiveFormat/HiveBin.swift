#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The shape of a cell, which the format version decides.
struct CellLayout {
    /// Cells start at multiples of this and their sizes are multiples of it.
    let alignment: Int
    /// Bytes before a cell's data: the size field (and the "Last" field in version 1.1).
    let headerSize: Int
    var alignmentMask: UInt32 { UInt32(alignment - 1) }

    static let standard = CellLayout(alignment: 8, headerSize: 4)
    /// Version 1.1 (NT 3.1): 16-byte cells with a 4-byte "Last" field after the size.
    static let version1_1 = CellLayout(alignment: 16, headerSize: 8)
}

/// Which hive bin covers each 4 KiB page of the hive-bins data, and which offsets start an
/// allocated cell; both found lazily, one bin at a time, the first time a cell in it is used.
///
/// Nothing is walked at open. When a page is first touched we scan back (4 KiB steps) to the
/// hbin header that covers it, check the header (signature, its own offset, size), then walk
/// that bin's cell chain once: every cell must have a size that is a non-zero multiple of 8 and
/// must end inside the bin (regf-format.md §3 bug classes 1 and 2). Allocated cell starts are
/// recorded in a bitmap, so a later reference is checked with one bit test: a reference to a
/// free cell, into the middle of a cell or past a broken link of the chain fails.
///
/// Both tables come from `calloc`, so pages of them never touched cost no memory.
@usableFromInline final class BinMap {
    /// The hive-bins size in use (an editor raises it as bins are added, up to `capacity`).
    /// Unchecked exclusivity, as `Hive.binsLimit`: read on every cell access, written only by `grow`.
    @exclusivity(unchecked) private(set) var limit: UInt32
    /// What a cell is: 8-byte alignment and a 4-byte size field, or, in version 1.1 (NT 3.1),
    /// 16-byte alignment and an 8-byte header (the size, then a "Last" field we do not use).
    let layout: CellLayout
    private let bins: UnsafeRawPointer
    @exclusivity(unchecked) private var pageCount: Int
    /// Per page: 0 unknown, `badPage` in no valid bin, else (end << 32) | start.
    let pages: UnsafeMutablePointer<UInt64>
    /// One bit per 8 bytes: an allocated cell starts here.
    @usableFromInline let cellStarts: UnsafeMutablePointer<UInt64>
    /// Bytes of bins past a newly found one to index with it. A walk sets it for its length: it
    /// will use most bins, and indexing a run of them in one go costs less than one bin at each
    /// first touch in the middle of the walk (60 → 50 ms on the read benchmark's 198 MB hive).
    /// Lookups leave it at 0 and touch only the bins they use.
    var readAhead: UInt32 = 0
    /// Where a bin's cell chain broke: bin start → offset of the bad cell (for error messages).
    private(set) var brokenChains: [UInt32: UInt32] = [:]
    /// The thread indexing the bins beside a walk from the root, while it runs.
    private var indexer: BinIndexer?
    /// Bins taken from such a thread's tables (for tests and measurements).
    private(set) var adoptedBins = 0
    /// An editor's map changes under its cells: only a read-only one is indexed beside a walk.
    private let isEditable: Bool

    static let badPage: UInt64 = .max

    /// `capacity` (at least `limit`) sizes the tables, for an editor that will add bins; calloc'd
    /// pages never touched cost nothing.
    init(bins: UnsafeRawPointer, limit: UInt32, layout: CellLayout, capacity: UInt32? = nil) {
        self.bins = bins
        self.limit = limit
        self.layout = layout
        pageCount = Int(limit) >> 12
        isEditable = capacity != nil
        let tableLimit = Int(Swift.max(capacity ?? limit, limit))
        pages = calloc(Swift.max(tableLimit >> 12, 1), 8)!.assumingMemoryBound(to: UInt64.self)
        cellStarts = calloc(Swift.max((tableLimit >> 9) + 1, 1), 8)!.assumingMemoryBound(to: UInt64.self)
    }

    // MARK: Editing (HiveEditor keeps the map true as it changes cells and adds bins)

    /// A bin appended at the end of the hive-bins data.
    func grow(to newLimit: UInt32) {
        limit = newLimit
        pageCount = Int(newLimit) >> 12
    }

    /// An allocated cell now starts (or no longer starts) at `offset`. A bin not yet indexed is
    /// left alone: indexing it later reads the new chain.
    @inline(__always) func setAllocated(_ offset: UInt32, _ allocated: Bool) {
        guard pages[Int(offset >> 12)] != 0 else { return }
        let bit = Int(offset >> 3), mask: UInt64 = 1 << UInt64(bit & 63)
        if allocated { cellStarts[bit >> 6] |= mask } else { cellStarts[bit >> 6] &= ~mask }
    }

    deinit {
        indexer?.stop()
        free(pages)
        free(cellStarts)
    }

    /// The bin covering `offset`, as (start, end), or nil when no valid bin covers it.
    @inline(__always) func bin(covering offset: UInt32) -> (start: UInt32, end: UInt32)? {
        let page = Int(offset >> 12)
        guard page < pageCount else { return nil }
        var e = entry(ofPage: page)
        if e == 0 { e = resolve(page) }
        if e == BinMap.badPage { return nil }
        return (UInt32(truncatingIfNeeded: e), UInt32(truncatingIfNeeded: e >> 32))
    }

    /// True when `offset` starts an allocated cell of a valid bin.
    @inline(__always) func isAllocatedCell(_ offset: UInt32) -> Bool {
        offset < limit && isAllocatedCell(below: offset)
    }

    /// `isAllocatedCell` for an offset the caller has checked against `limit`. A set bit of an
    /// 8-aligned offset is proof enough (bits are set only by indexing a valid bin's chain, or by
    /// an editor keeping an indexed bin true), so the common case is one bit test; a clear bit
    /// may only mean the bin was not indexed yet. The alignment test matters: a bit stands for
    /// 8 bytes, so an offset 4 bytes into a cell would find the cell's bit set. (Version 1.1's
    /// 16-byte cells leave the bits of odd multiples of 8 clear.)
    @inlinable @inline(__always) func isAllocatedCell(below offset: UInt32) -> Bool {
        let bit = Int(offset >> 3)
        if offset & 7 == 0, cellStarts[bit >> 6] & (1 << UInt64(bit & 63)) != 0 { return true }
        return isAllocatedCellIndexingBin(offset)
    }

    @usableFromInline @inline(never) func isAllocatedCellIndexingBin(_ offset: UInt32) -> Bool {
        let page = Int(offset >> 12)
        // A known page's bit was tested already; an unknown one is taken from the indexing
        // thread or indexed here.
        guard offset & layout.alignmentMask == 0, page < pageCount, pages[page] == 0,
              bin(covering: offset) != nil else { return false }
        let bit = Int(offset >> 3)
        return cellStarts[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    // MARK: Indexing beside a walk (BinIndexer)

    /// Starts indexing the bins on another thread, for a walk from the root that is about to
    /// read them all; `owner` keeps the bytes alive until the thread is joined. False when not
    /// worth it (an editor's or a small hive, one CPU) or already under way.
    func startIndexing(owner: AnyObject) -> Bool {
        guard indexer == nil, !isEditable,
              let started = BinIndexer.start(bins: bins, limit: limit, layout: layout, owner: owner)
        else { return false }
        indexer = started
        return true
    }

    /// Stops the indexing thread; what it published and this map did not take yet is dropped
    /// (later lookups index those bins as they go).
    func stopIndexing() {
        indexer?.stop()
        indexer = nil
    }

    /// The page's entry, taken with its bin from the indexing thread when this map does not
    /// know the page and the thread has published it.
    @inline(__always) private func entry(ofPage page: Int) -> UInt64 {
        let e = pages[page]
        if e != 0 || indexer == nil { return e }
        return adopt(page)
    }

    /// Copies the entries and cell bits of the indexing thread's bin that covers `page` (only
    /// pages this map does not know: the bin's words are its own, bins being 4 KiB-aligned);
    /// 0 when the thread has not published that page yet.
    @inline(never) private func adopt(_ page: Int) -> UInt64 {
        guard let indexer else { return 0 }
        guard UInt32(page << 12) < indexer.published.load(ordering: .acquiring) else { return 0 }
        let e = indexer.pages[page]
        let first = Int(UInt32(truncatingIfNeeded: e)) >> 12, end = Int(e >> 32) >> 12
        adoptedBins += 1
        for p in first..<end where pages[p] == 0 {
            pages[p] = e
            (cellStarts + p << 3).update(from: indexer.cellStarts + p << 3, count: 8)
        }
        return pages[page]
    }

    /// Checks the hbin header at `start` (a page boundary); returns its size when valid.
    func headerSize(at start: UInt32) -> UInt32? {
        BinMap.headerSize(bins: bins, at: start, limit: limit)
    }

    static func headerSize(bins: UnsafeRawPointer, at start: UInt32, limit: UInt32) -> UInt32? {
        let p = bins + Int(start)
        guard p.u32(0) == Signature.hbin, p.u32(4) == start else { return nil }
        let size = p.u32(8)
        guard size >= 4096, size & 0xFFF == 0, UInt64(start) + UInt64(size) <= UInt64(limit) else { return nil }
        return size
    }

    private func resolve(_ page: Int) -> UInt64 {
        var q = page
        while true {
            let known = entry(ofPage: q)
            if q != page && known != 0 {
                if known != BinMap.badPage, Int(known >> 32) > page << 12 {
                    // Inside a known bin whose pages were not all filled: cannot happen, since a
                    // found bin fills all its pages; treat as its bin anyway.
                    pages[page] = known
                    return known
                }
                let from = known == BinMap.badPage ? q : Int(known >> 32) >> 12
                markBad(from, page)
                return BinMap.badPage
            }
            let start = UInt32(q << 12)
            if let size = headerSize(at: start) {
                let end = start + size
                if end > UInt32(page << 12) {
                    let entry = UInt64(end) << 32 | UInt64(start)
                    for i in q..<(Int(end) >> 12) { pages[i] = entry }
                    indexCells(start: start, end: end)
                    // With a BinIndexer running, only the bin needed: the rest is the thread's.
                    if readAhead > 0, indexer == nil { indexAhead(from: end) }
                    return entry
                }
                markBad(Int(end) >> 12, page)
                return BinMap.badPage
            }
            if q == 0 {
                markBad(0, page)
                return BinMap.badPage
            }
            q -= 1
        }
    }

    /// Indexes the bins that follow `from`, while they are valid and not yet known, up to
    /// `readAhead` bytes on.
    private func indexAhead(from: UInt32) {
        var pos = from
        let stop = UInt32(Swift.min(UInt64(limit), UInt64(from) + UInt64(readAhead)))
        while pos < stop, entry(ofPage: Int(pos >> 12)) == 0, let size = headerSize(at: pos) {
            let end = pos + size
            let entry = UInt64(end) << 32 | UInt64(pos)
            for i in Int(pos >> 12)..<(Int(end) >> 12) { pages[i] = entry }
            indexCells(start: pos, end: end)
            pos = end
        }
    }

    private func markBad(_ from: Int, _ through: Int) {
        var i = from
        while i <= through { pages[i] = BinMap.badPage; i += 1 }
    }

    private func indexCells(start: UInt32, end: UInt32) {
        let cellStarts = cellStarts
        if let broken = BinMap.walkChain(bins: bins, from: Int(start) + 32, to: Int(end), layout: layout, allocated: { pos in
            let bit = pos >> 3
            cellStarts[bit >> 6] |= 1 << UInt64(bit & 63)
        }) {
            brokenChains[start] = UInt32(broken)
        }
    }

    /// Follows a bin's cell chain from `from` to `to`, calling `allocated` with each allocated
    /// cell's offset; returns the offset of the first cell whose size is not a non-zero multiple
    /// of the alignment ending inside the bin, or nil when the chain is whole.
    @inline(__always)
    static func walkChain(bins: UnsafeRawPointer, from: Int, to stop: Int, layout: CellLayout,
                          allocated: (Int) -> Void) -> Int? {
        var pos = from
        let mask = Int(layout.alignmentMask), minimum = layout.alignment
        while pos < stop {
            let raw = Int32(bitPattern: bins.u32(pos))
            let len = raw == .min ? 0 : Int(raw.magnitude)
            guard len >= minimum, len & mask == 0, pos + len <= stop else { return pos }
            if raw < 0 { allocated(pos) }
            pos += len
        }
        return nil
    }

    /// True when the first bin's cell chain is whole under `layout` (to choose a layout when the
    /// base block's version cannot be trusted).
    static func firstBinChainHolds(bins: UnsafeRawPointer, limit: UInt32, layout: CellLayout) -> Bool {
        let size = Int(bins.u32(8))
        guard bins.u32(0) == Signature.hbin, size >= 4096, size <= Int(limit) else { return false }
        return walkChain(bins: bins, from: 32, to: size, layout: layout, allocated: { _ in }) == nil
    }

    /// Explains why `offset` is not an allocated cell (slow path, for errors only).
    func whyNotAllocated(_ offset: UInt32) -> String {
        if offset & layout.alignmentMask != 0 { return "not \(layout.alignment)-byte aligned" }
        guard let (start, end) = bin(covering: offset) else {
            return "no valid hive bin covers file offset 0x\(hex(UInt64(offset) + 4096))"
        }
        if offset < start + 32 { return "inside the header of the bin at 0x\(hex(start))" }
        var pos = start + 32
        while pos < end {
            if let broken = brokenChains[start], pos >= broken {
                return "the bin at 0x\(hex(start)) has an invalid cell size at 0x\(hex(broken)), before this offset"
            }
            let raw = Int32(bitPattern: bins.u32(Int(pos)))
            let len = UInt32(raw.magnitude)
            if pos == offset { return raw > 0 ? "it is a free cell" : "it is allocated" }
            if offset < pos + len { return "it lies inside the cell at 0x\(hex(pos))" }
            pos += len
        }
        return "it is past the last cell of its bin"
    }
}
