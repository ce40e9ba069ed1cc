import HiveFormat
import Locking

/// One hive's flushes on their way to its files. A flush is prepared under the registry's lock
/// (`HiveEditor.prepareFlush`: the changes copied, in memory) and queued here; its I/O runs
/// under this hive's own gate, not the registry's lock, so other hives' readers and writers —
/// and this hive's — go on meanwhile. Whoever holds the gate writes every queued flush in the
/// order they were prepared, so a flush is written once, after those before it; a caller
/// returns when its own is on disk (RegFlushKey's promise).
///
/// Lock order: the registry's lock, then the queue's; the gate, then the queue's. The gate is
/// never held while waiting for the registry's lock, so a caller holding the registry's lock
/// (an unload) may wait for the gate.
final class HiveWrites: Sendable {
    private let queue = Locked<[QueuedFlush]>([])
    private let gate = Locked<Void>(())

    /// Queues `pending` (under the registry's lock, so queue order is preparation order).
    func enqueue(_ pending: PendingFlush, as files: FileIdentity?) -> QueuedFlush {
        let q = QueuedFlush(pending: pending, files: files)
        queue.withLock { $0.append(q) }
        return q
    }

    /// Returns once `flush` has been written (by this thread or another holding the gate),
    /// with its result. After a failed flush the ones queued behind it fail too: their log
    /// entries would follow one that never reached the disk. `beforeIO` runs on the writing
    /// thread before each write (a test hook).
    func write(until flush: QueuedFlush, beforeIO: () -> Void = {}) -> Result<FlushStatistics, Win32Error> {
        gate.withLock { _ in
            var failed = false
            while let next = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                if failed {
                    next.result = .failure(.registryIOFailed)
                    continue
                }
                beforeIO()
                // On this thread, as the hive's file identity (a flush may create a file).
                next.result = Result { () throws(Win32Error) in
                    try next.files.perform { () throws(Win32Error) in
                        do {
                            return try next.pending.write()
                        } catch {
                            throw .registryIOFailed
                        }
                    }
                }
                if case .failure = next.result { failed = true }
            }
            return flush.result ?? .failure(.registryIOFailed)
        }
    }
}

/// A prepared flush in a hive's queue, and how writing it went.
final class QueuedFlush: @unchecked Sendable {  // `result` is written and read only under the hive's gate
    let pending: PendingFlush
    let files: FileIdentity?
    var result: Result<FlushStatistics, Win32Error>?

    init(pending: PendingFlush, files: FileIdentity?) {
        self.pending = pending
        self.files = files
    }
}
