#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The second half of a flush (HiveFlush.swift): what `HiveEditor.prepareFlush` copied out of
/// the image, written to the files without touching the editor, so that a caller can do it
/// outside the lock it edits under. `write` returns once the changes are durable.
public final class PendingFlush: @unchecked Sendable {  // immutable but `files` (and its `primary`), which only the one writer of a hive's flushes touches
    enum Content {
        /// The log entry (base-block copy first), and the primary's base block dirty, then clean.
        case logEntry(log: [UInt8], dirtyHeader: [UInt8], cleanHeader: [UInt8])
        /// Most of the hive changed: the whole image, written beside the file and renamed over it.
        case wholeFile([UInt8])
    }

    /// Dropped once written: the files (and the hive's lock) close with the editor, not later.
    private var files: HiveFiles?
    /// The pages it holds, to be marked dirty again when it is not written.
    let runs: [(offset: UInt32, length: Int)]
    let content: Content

    init(files: HiveFiles, runs: [(offset: UInt32, length: Int)], content: Content) {
        self.files = files
        self.runs = runs
        self.content = content
    }

    /// Writes it: the log entry and fsync (durable from here), the primary marked dirty and
    /// fsync, the pages and the clean base block and fsync; or the whole file.
    /// Written once: a second call is refused.
    @discardableResult
    public func write() throws(HiveError) -> FlushStatistics {
        guard let files else { throw .refused(reason: "this flush was written already") }
        defer { self.files = nil }
        switch content {
        case let .wholeFile(image): return try replaceWholeFile(image, files)
        case let .logEntry(log, dirtyHeader, cleanHeader): return try writeEntry(log, dirtyHeader, cleanHeader, files)
        }
    }

    private func writeEntry(_ log: [UInt8], _ dirtyHeader: [UInt8], _ cleanHeader: [UInt8],
                            _ files: HiveFiles) throws(HiveError) -> FlushStatistics {
        var stats = FlushStatistics()
        // 1. The log.
        try write(log, to: files.log1, at: 0, path: files.log1Path)
        try syncFile(files.log1, files.log1Path)
        stats.logBytes = log.count
        // 2. The primary marked dirty.
        try write(dirtyHeader, to: files.primary, at: 0, path: files.primaryPath)
        try syncFile(files.primary, files.primaryPath)
        // 3. The pages (from the log entry, where they follow the page references), then the
        // base block clean.
        var at = 512 + 40 + 8 * runs.count
        var pagesBytes = 0
        for run in runs {
            let failure: HiveError? = log.withUnsafeBytes { raw in
                do throws(HiveError) {
                    try writeAll(files.primary, UnsafeRawBufferPointer(rebasing: raw[at..<(at + run.length)]),
                                 at: BaseBlock.size + Int(run.offset), path: files.primaryPath)
                } catch {
                    return error
                }
                return nil
            }
            if let failure { throw failure }
            at += run.length
            pagesBytes += run.length
        }
        try write(cleanHeader, to: files.primary, at: 0, path: files.primaryPath)
        try syncFile(files.primary, files.primaryPath)
        stats.primaryBytes = pagesBytes + 2 * BaseBlock.size
        stats.fsyncs = 3
        stats.pages = pagesBytes / 4096
        return stats
    }

    private func write(_ bytes: [UInt8], to fd: Int32, at offset: Int, path: String) throws(HiveError) {
        let failure: HiveError? = bytes.withUnsafeBytes { raw in
            do throws(HiveError) { try writeAll(fd, raw, at: offset, path: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// When most of the hive changed (a new hive filled at once, a rebuild), a log entry would
    /// double the bytes written: the new file is written whole beside the old one instead, under
    /// the lock, flushed, and renamed over it. A crash leaves the old file or the new one, both
    /// clean. The lock moves with the new file (it is taken before the rename).
    private func replaceWholeFile(_ image: [UInt8], _ files: HiveFiles) throws(HiveError) -> FlushStatistics {
        let path = files.primaryPath
        let temporary = path + ".new-\(getpid())"
        // A file of that name is a crash's leftover, or something put there to be written
        // through (a link, a FIFO): it goes, and the new file is made afresh.
        unlink(temporary)
        let fd = Glibc.open(temporary, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            closeFile(fd); unlink(temporary)
            throw .io(path: temporary, operation: "flock", errno: errno)
        }
        do throws(HiveError) {
            try write(image, to: fd, at: 0, path: temporary)
            try syncFile(fd, temporary)
            guard rename(temporary, path) == 0 else { throw .io(path: path, operation: "rename", errno: errno) }
        } catch {
            closeFile(fd); unlink(temporary)
            throw error
        }
        AtomicWrite.syncDirectory(of: path)
        closeFile(files.primary)
        files.primary = fd
        var stats = FlushStatistics()
        stats.primaryBytes = image.count
        stats.fsyncs = 2
        stats.pages = (image.count - BaseBlock.size) / 4096
        return stats
    }
}
