import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Fills a file mapping's page tables from another thread while a full walk reads the file, so
/// the walk meets few page faults: on the 198 MB benchmark hive they cost the walking thread
/// ~14 ms of ~80. Only the kernel's tables change (`MADV_POPULATE_READ`, Linux 5.14, in 4 MiB
/// steps); nothing of the hive is read or written here, so nothing is shared with the walk but
/// the address range. The storage is retained until the thread is joined: never unmapped under it.
final class PageTableFill: @unchecked Sendable {
    // @unchecked: after start the thread reads only `base`, `length` (immutable) and the atomic.
    private let storage: HiveStorage
    private let base: UnsafeMutableRawPointer
    private let length: Int
    private let stopping = Atomic<Bool>(false)
    private var thread = pthread_t()

    /// Files smaller than this are left to the faults: a thread costs more than it saves.
    static let minimumLength = 4 << 20
    static let step = 4 << 20

    private init(storage: HiveStorage, base: UnsafeMutableRawPointer, length: Int) {
        self.storage = storage
        self.base = base
        self.length = length
    }

    /// Starts filling `storage`'s mapping; nil when it is not a file mapping worth it, the
    /// machine has one CPU, or no thread can be started.
    static func start(_ storage: HiveStorage) -> PageTableFill? {
        #if os(Linux)
        guard storage.isFileMapping, storage.bytes.count >= minimumLength, let address = storage.bytes.baseAddress,
              sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1
        else { return nil }
        let fill = PageTableFill(storage: storage, base: UnsafeMutableRawPointer(mutating: address), length: storage.bytes.count)
        let context = Unmanaged.passRetained(fill).toOpaque()
        let rc = pthread_create(&fill.thread, nil, { raw in
            Unmanaged<PageTableFill>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<PageTableFill>.fromOpaque(context).release()
            return nil
        }
        return fill
        #else
        return nil
        #endif
    }

    /// Stops after the current step and waits for the thread.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        pthread_join(thread, nil)
    }

    private func run() {
        var offset = 0
        while offset < length, !stopping.load(ordering: .relaxed) {
            let count = Swift.min(PageTableFill.step, length - offset)
            // An older kernel answers EINVAL: the walk then takes its faults as before.
            guard madvise(base + offset, count, 22 /* MADV_POPULATE_READ */) == 0 else { return }
            offset += count
        }
    }
}
