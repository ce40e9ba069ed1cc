import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Indexes a hive's bins on a thread of its own while a walk from the root reads them: the bin
/// and cell-chain validation that libhivex does before its walk starts, done beside ours. It
/// goes through the file in order, 4 MiB at a time: first the chunk's page tables are filled
/// (`MADV_POPULATE_READ`, so the walk meets few page faults), then its bins are indexed.
///
/// Nothing is shared but what is published: the thread fills tables of its own and raises
/// `published` (release) past each bin it finished; the walking thread copies a bin's entries
/// and cell bits from those tables into `BinMap`'s (`BinMap.adopt`) only below the value it
/// loaded (acquire), and the thread never writes there again. So each table has one writer.
///
/// It stops at the first bin that is not plainly whole — a bad header or a broken cell chain —
/// and leaves that bin and the rest to the walking thread's lazy indexing, which alone records
/// why a bin is broken; what a corrupt hive reports does not depend on this thread.
final class BinIndexer: @unchecked Sendable {  // tables shared under the publish protocol above; the rest atomic or immutable after start
    /// Every bin below this offset is indexed in `pages` and `cellStarts`.
    let published = Atomic<UInt32>(0)
    /// The thread has ended (the end of the bins, a bin it leaves alone, or `stop`).
    let finished = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    /// As `BinMap`'s: per page (end << 32) | start of its bin; a bit per allocated cell start.
    let pages: UnsafeMutablePointer<UInt64>
    let cellStarts: UnsafeMutablePointer<UInt64>
    private let bins: UnsafeRawPointer
    private let limit: UInt32
    private let layout: CellLayout
    /// Keeps the bytes alive (never unmapped under the thread) until it is joined.
    private let owner: AnyObject
    private var thread = pthread_t()

    /// Hives with fewer bytes of bins are indexed as a walk goes: a thread costs more than it saves.
    static let minimumLength: UInt32 = 4 << 20
    static let chunk = 4 << 20

    private init(bins: UnsafeRawPointer, limit: UInt32, layout: CellLayout, owner: AnyObject) {
        self.bins = bins
        self.limit = limit
        self.layout = layout
        self.owner = owner
        pages = calloc(Int(limit >> 12) + 1, 8)!.assumingMemoryBound(to: UInt64.self)
        cellStarts = calloc(Int(limit >> 9) + 1, 8)!.assumingMemoryBound(to: UInt64.self)
    }

    deinit {
        free(pages)
        free(cellStarts)
    }

    /// Starts the thread; nil when the bins are too few, the machine has one CPU, or no thread
    /// can be started (the walk then indexes as it goes, as always).
    static func start(bins: UnsafeRawPointer, limit: UInt32, layout: CellLayout, owner: AnyObject) -> BinIndexer? {
        guard limit >= minimumLength, sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else { return nil }
        let indexer = BinIndexer(bins: bins, limit: limit, layout: layout, owner: owner)
        let context = Unmanaged.passRetained(indexer).toOpaque()
        let rc = pthread_create(&indexer.thread, nil, { raw in
            Unmanaged<BinIndexer>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<BinIndexer>.fromOpaque(context).release()
            return nil
        }
        return indexer
    }

    /// Asks the thread to stop after the bin at hand and waits for it.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        pthread_join(thread, nil)
    }

    private func run() {
        defer { finished.store(true, ordering: .releasing) }
        var pos: UInt32 = 0
        var filled = 0  // bytes of bins whose page tables were filled
        while pos < limit, !stopping.load(ordering: .relaxed) {
            if Int(pos) >= filled {
                // A mapped file's pages: filled in bulk, cheaper than faulting them one by one.
                // Not a mapping, or an older kernel: EINVAL, and the faults happen as before.
                let count = Swift.min(BinIndexer.chunk, Int(limit) - filled)
                _ = madvise(UnsafeMutableRawPointer(mutating: bins + filled), count, 22 /* MADV_POPULATE_READ */)
                filled += count
            }
            guard let size = BinMap.headerSize(bins: bins, at: pos, limit: limit) else { return }
            let end = pos + size
            let cellStarts = cellStarts
            let broken = BinMap.walkChain(bins: bins, from: Int(pos) + 32, to: Int(end), layout: layout) { cell in
                let bit = cell >> 3
                cellStarts[bit >> 6] |= 1 << UInt64(bit & 63)
            }
            guard broken == nil else { return }  // its bits are never published
            (pages + Int(pos >> 12)).update(repeating: UInt64(end) << 32 | UInt64(pos), count: Int(size >> 12))
            published.store(end, ordering: .releasing)
            pos = end
        }
    }
}
