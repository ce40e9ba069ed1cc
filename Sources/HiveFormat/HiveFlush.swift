#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening hives for writing, creating them, and the crash-safe flush.
///
/// A flush, with the primary clean at sequence S/S:
/// 1. the dirty pages go to NAME.LOG1 as one HvLE entry with sequence S (the log's base-block
///    copy says S), then fsync — the changes are now durable;
/// 2. the primary's base block is written with S+1/S (dirty), then fsync — so a crash from here
///    on leaves a dirty primary whose log holds entry S;
/// 3. the pages are written to the primary, then the base block with S+1/S+1, then fsync.
/// Three fsyncs; bytes: the pages twice plus two base blocks and the entry header. Our recovery
/// (and Windows') applies entry S to a primary left dirty by a crash in 2 or 3; a crash in 1
/// leaves the primary clean at S and the torn log ignored. The primary is reconciled on every
/// flush, so a log never holds more than one active entry: LOG1 is rewritten from its start each
/// time (older bytes after the entry are stale and end the chain), and LOG2 stays empty — we
/// never need to switch, since the entry before is always already in the primary.
extension HiveEditor {
    /// Opens `path` for writing under an exclusive lock. A dirty hive is first recovered from its
    /// logs and the primary reconciled; without usable logs it is refused (`.dirtyWithoutLogs`)
    /// unless `acceptDirty`, which takes the primary as it is.
    public static func open(path: String, acceptDirty: Bool = false,
                            clock: @escaping () -> FileTime = FileTime.now) throws(HiveError) -> HiveEditor {
        let (fd, e, failed) = openLocked(path, flags: O_RDWR, exclusive: true)
        if fd < 0 {
            if e == EWOULDBLOCK { throw .lockedForWriting(path: path, holder: lockHolder(of: path)) }
            throw .io(path: path, operation: failed, errno: e)
        }
        var files: HiveFiles?
        do throws(HiveError) {
            let primary = try readWhole(fd, path: path)
            let bb = try BaseBlock(bytes: primary.bytes)
            // A dirty hive needs its logs: a directory that cannot be listed is an error then.
            let found = bb.isDirty ? try LogDiscovery.search(besideHive: path) : LogDiscovery.logs(besideHive: path)
            let log1Path = found.first { $0.lowercased().hasSuffix(".log1") } ?? path + ".LOG1"
            let log2Path = found.first { $0.lowercased().hasSuffix(".log2") } ?? path + ".LOG2"
            var image = primary
            var reconcile = false
            var notes: [String] = []
            if bb.isDirty {
                var logs: [TransactionLog] = []
                for p in found {
                    let log = try TransactionLog(path: p)
                    if !log.isEmpty { logs.append(log) }
                }
                if logs.isEmpty || logs.allSatisfy({ $0.unusable != nil }) && acceptDirty {
                    guard acceptDirty else { throw .dirtyWithoutLogs(path: path) }
                    image = try acceptedAsItIs(primary)
                    let unused = logs.map { "\($0.name): \($0.unusable ?? "")" }
                    notes.append("the hive was dirty and " + (unused.isEmpty ? "has no log" : "no log can be used (\(unused.joined(separator: "; ")))")
                                 + ": the primary file was taken as it is")
                } else {
                    do {
                        let recovered = try LogRecovery.recover(primary: primary, path: path, logs: logs)
                        image = recovered.storage
                        let r = recovered.report
                        let logs = r.applied.map(\.log).joined(separator: ", ")
                        notes = ["the hive was dirty: \(r.entries) log \(r.entries == 1 ? "entry" : "entries") (\(r.pages) pages) from \(logs) applied, up to sequence \(r.sequence); the primary file is now up to date"]
                            + r.notes
                    } catch {
                        throw .logRecovery(hive: path, error)
                    }
                }
                reconcile = true
            }
            // The logs are opened (created empty when missing, as Windows does) only now, so a
            // refused open leaves no file behind.
            let f = try HiveFiles(primary: fd, log1: openLog(log1Path), log2: openLog(log2Path),
                                  primaryPath: path, log1Path: log1Path)
            files = f
            let editor = try HiveEditor(source: image, path: path, files: f, clock: clock)
            editor.openingNotes = notes
            if reconcile { try editor.writeWholePrimary() }
            return editor
        } catch {
            if files == nil { closeFile(fd) }
            throw error
        }
    }

    /// An editor over a copy of a hive image, with no file (a snapshot kept in memory).
    public static func inMemoryCopy(of hive: Hive, clock: @escaping () -> FileTime = FileTime.now) throws(HiveError) -> HiveEditor {
        // The image only: an editor's storage is a 2 GiB reservation, most of it untouched.
        let used = UnsafeRawBufferPointer(rebasing: hive.storage.bytes.prefix(BaseBlock.size + Int(hive.binsLimit)))
        return try HiveEditor(source: HiveStorage(copying: used), path: nil, files: nil, clock: clock)
    }

    /// Creates a new hive: version 1.`minorVersion` (5 unless told: 3 is the format Windows 2000
    /// reads — lf lists, big values in one cell), a root key named `rootName` with
    /// `rootSecurity`, and, when `path` is given, the file (refused if it exists) with empty
    /// .LOG1 and .LOG2.
    public static func create(path: String?, rootName: RegistryName = "ROOT",
                              rootSecurity: [UInt8] = HiveEditor.defaultRootSecurity, minorVersion: UInt32 = 5,
                              clock: @escaping () -> FileTime = FileTime.now) throws(HiveError) -> HiveEditor {
        guard (3...6).contains(minorVersion) else {
            throw .refused(reason: "a new hive is version 1.3 to 1.6, not 1.\(minorVersion)")
        }
        var bytes = [UInt8](repeating: 0, count: BaseBlock.size + 4096)
        let stamp = clock().rawValue
        bytes.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            for (off, v) in [(0, Signature.regf), (4, 1), (8, 1), (20, 1), (24, minorVersion), (28, 0), (32, 1), (36, 0xFFFF_FFFF),
                             (40, 4096), (44, 1)] as [(Int, UInt32)] {
                p.storeBytes(of: v.littleEndian, toByteOffset: off, as: UInt32.self)
            }
            p.storeBytes(of: stamp.littleEndian, toByteOffset: 12, as: UInt64.self)
            let bin = p + BaseBlock.size
            bin.storeBytes(of: Signature.hbin.littleEndian, toByteOffset: 0, as: UInt32.self)
            bin.storeBytes(of: UInt32(4096).littleEndian, toByteOffset: 8, as: UInt32.self)
            bin.storeBytes(of: stamp.littleEndian, toByteOffset: 20, as: UInt64.self)
            bin.storeBytes(of: UInt32(4096 - 32).littleEndian, toByteOffset: 32, as: UInt32.self)
            p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)).littleEndian, toByteOffset: 508, as: UInt32.self)
        }
        var files: HiveFiles?
        if let path {
            let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .io(path: path, operation: "create", errno: errno) }
            // A file we just created exclusively: nobody else can hold its lock.
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                closeFile(fd)
                throw .lockedForWriting(path: path, holder: lockHolder(of: path))
            }
            files = try HiveFiles(primary: fd, log1: openLog(path + ".LOG1", truncate: true),
                                  log2: openLog(path + ".LOG2", truncate: true), primaryPath: path, log1Path: path + ".LOG1")
        }
        let storage = HiveStorage(copying: bytes)
        let editor = try HiveEditor(source: storage, path: path, files: files, clock: clock)
        // The root: its own sk (the first of the list), no parent.
        let units = rootName.codeUnits
        guard !units.isEmpty, units.count <= maxKeyNameLength, units.allSatisfy({ $0 <= 0xFF }) else {
            throw .refused(reason: "the root name must be 1 to 255 Latin-1 characters")
        }
        let nk = try editor.allocate(NamedKey.fixedSize + units.count)
        let p = editor.data(nk)
        p.storeBytes(of: Signature.nk.littleEndian, toByteOffset: 0, as: UInt16.self)
        let flags = KeyFlags.hiveEntry.rawValue | KeyFlags.noDelete.rawValue | KeyFlags.compressedName.rawValue
        p.storeBytes(of: flags.littleEndian, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: stamp.littleEndian, toByteOffset: 4, as: UInt64.self)
        for field in [16, 28, 32, 40, 44, 48] { p.storeBytes(of: UInt32(0xFFFF_FFFF), toByteOffset: field, as: UInt32.self) }
        p.storeBytes(of: UInt16(units.count).littleEndian, toByteOffset: 72, as: UInt16.self)
        editor.writeName(units, compressed: true, to: p + NamedKey.fixedSize)
        editor.putBaseBlock(36, nk)
        editor.refreshBaseBlock()
        editor.put32(nk, 44, try editor.securityCell(for: rootSecurity))
        if files != nil { try editor.writeWholePrimary() }
        return editor
    }

    /// Writes the changes since the last flush, crash-safely (see the type's comment). Returns
    /// what was written, for benchmarks and tests. `prepareFlush` and `PendingFlush.write` in
    /// one; a caller with a lock to keep short holds it for the first only.
    @discardableResult
    public func flush() throws(HiveError) -> FlushStatistics {
        guard let pending = prepareFlush() else { return FlushStatistics() }
        do {
            return try pending.write()
        } catch {
            flushFailed(pending)
            throw error
        }
    }

    /// The first half of a flush, in memory only: the changes since the last flush copied into
    /// a `PendingFlush` (the log entry with its pages and both base blocks, or the whole image),
    /// and the editor taken as clean at the next sequence number. Nil when there is nothing to
    /// write (a hive without a file drops its changes, as `flush` always did). Pending flushes
    /// of one hive must be written one at a time, in the order they were prepared.
    public func prepareFlush() -> PendingFlush? {
        guard !dirty.isEmpty else { return nil }
        guard let files else {
            dirty.clear()
            return nil
        }
        let runs = dirty.runs
        let s = hive.baseBlock.secondarySequence
        let pagesBytes = runs.reduce(0) { $0 + $1.length }
        if pagesBytes * 2 >= Int(hive.binsLimit) {
            putBaseBlock(4, s &+ 1)
            putBaseBlock(8, s &+ 1)
            refreshBaseBlock()
            let whole = [UInt8](UnsafeRawBufferPointer(start: image, count: BaseBlock.size + Int(hive.binsLimit)))
            dirty.clear()
            return PendingFlush(files: files, runs: runs, content: .wholeFile(whole))
        }
        // 1. The log: base-block copy (type 6, S/S), one entry, padded to a sector.
        let entrySize = (40 + 8 * runs.count + pagesBytes + 511) & ~511
        var log = [UInt8](repeating: 0, count: 512 + entrySize)
        log.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.copyMemory(from: image, byteCount: 512)
            for (off, v) in [(4, s), (8, s), (28, UInt32(6))] { p.storeBytes(of: v.littleEndian, toByteOffset: off, as: UInt32.self) }
            p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)).littleEndian, toByteOffset: 508, as: UInt32.self)
            let e = p + 512
            let header: [(Int, UInt32)] = [(0, 0x454C_7648), (4, UInt32(entrySize)), (8, hive.baseBlock.flags & 1), (12, s),
                                           (16, hive.binsLimit), (20, UInt32(runs.count))]
            for (off, v) in header { e.storeBytes(of: v.littleEndian, toByteOffset: off, as: UInt32.self) }
            var at = 40 + 8 * runs.count
            for (i, run) in runs.enumerated() {
                e.storeBytes(of: run.offset.littleEndian, toByteOffset: 40 + 8 * i, as: UInt32.self)
                e.storeBytes(of: UInt32(run.length).littleEndian, toByteOffset: 44 + 8 * i, as: UInt32.self)
                (e + at).copyMemory(from: bins + Int(run.offset), byteCount: run.length)
                at += run.length
            }
            e.storeBytes(of: Marvin32.hash(UnsafeRawBufferPointer(start: e + 40, count: entrySize - 40)).littleEndian,
                         toByteOffset: 24, as: UInt64.self)
            e.storeBytes(of: Marvin32.hash(UnsafeRawBufferPointer(start: e, count: 32)).littleEndian, toByteOffset: 32, as: UInt64.self)
        }
        // 2. and 3.: the primary's base block marked dirty (S+1/S), then clean (S+1/S+1).
        putBaseBlock(4, s &+ 1)
        refreshBaseBlock()
        let dirtyHeader = [UInt8](UnsafeRawBufferPointer(start: image, count: BaseBlock.size))
        putBaseBlock(8, s &+ 1)
        refreshBaseBlock()
        let cleanHeader = [UInt8](UnsafeRawBufferPointer(start: image, count: BaseBlock.size))
        dirty.clear()
        return PendingFlush(files: files, runs: runs,
                            content: .logEntry(log: log, dirtyHeader: dirtyHeader, cleanHeader: cleanHeader))
    }

    /// A prepared flush that was not written: its pages are dirty again, for the next flush
    /// (whose log entry then holds them; recovery accepts a log that starts past the primary).
    public func flushFailed(_ pending: PendingFlush) {
        for run in pending.runs { dirty.mark(run.offset, run.length) }
        dirty.baseBlock = true
    }

    /// The whole image to the primary (after recovery, or a new hive): data, then a clean base
    /// block, then fsync. A crash before the end leaves the primary as dirty as it was (its logs
    /// still recover it), or, for a new file, a file nobody has used yet.
    func writeWholePrimary() throws(HiveError) {
        guard let files else { return }
        try writeAll(files.primary, UnsafeRawBufferPointer(start: bins, count: Int(hive.binsLimit)),
                     at: BaseBlock.size, path: files.primaryPath)
        try syncFile(files.primary, files.primaryPath)
        refreshBaseBlock()
        try writeAll(files.primary, UnsafeRawBufferPointer(start: image, count: BaseBlock.size), at: 0, path: files.primaryPath)
        try syncFile(files.primary, files.primaryPath)
        dirty.clear()
    }

    /// A dirty primary without logs, accepted: both sequence numbers made equal, checksum fixed.
    private static func acceptedAsItIs(_ primary: HiveStorage) throws(HiveError) -> HiveStorage {
        var bytes = [UInt8](primary.bytes)
        bytes.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: p.load(fromByteOffset: 4, as: UInt32.self), toByteOffset: 8, as: UInt32.self)
            p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)).littleEndian, toByteOffset: 508, as: UInt32.self)
        }
        return HiveStorage(copying: bytes, path: primary.path)
    }

    private static func openLog(_ path: String, truncate: Bool = false) throws(HiveError) -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK | (truncate ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        // A FIFO as a log would block the first flush that fills it (FileLock.swift).
        guard isRegularFile(fd) else {
            closeFile(fd)
            throw .io(path: path, operation: "open (not a regular file)", errno: EINVAL)
        }
        return fd
    }

    /// Who holds a lock on `path` and how, from /proc/locks (Linux): "open for writing by pid N
    /// (name)", "open for reading by pid N (name)", or "open in another program".
    /// A writer that rewrites its file whole moves the lock to a new inode; a few tries catch it.
    static func lockHolder(of path: String) -> String {
        for attempt in 0..<5 {
            if let holder = lockHolderOnce(of: path) { return holder }
            usleep(UInt32(1000 << attempt))
        }
        return "open in another program"
    }

    private static func lockHolderOnce(of path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0, let f = fopen("/proc/locks", "r") else { return nil }
        defer { fclose(f) }
        let inode = "\(st.st_ino)"
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = cText(line)
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
            guard parts.count >= 6, parts[1] == "FLOCK", parts[5].split(separator: ":").last.map(String.init) == inode,
                  let pid = Int32(parts[4])
            else { continue }
            var name = ""
            if let c = fopen("/proc/\(pid)/comm", "r") {
                var buf = [CChar](repeating: 0, count: 64)
                if fgets(&buf, 64, c) != nil { name = cText(buf).trimmingSuffixNewline() }
                fclose(c)
            }
            // A reader's shared lock stops a writer too: say which it is.
            let doing = parts[3] == "READ" ? "reading" : "writing"
            return "open for \(doing) by " + (name.isEmpty ? "pid \(pid)" : "pid \(pid) (\(name))")
        }
        return nil
    }
}

/// What one flush wrote.
public struct FlushStatistics: Sendable {
    public var pages = 0
    public var logBytes = 0
    public var primaryBytes = 0
    public var fsyncs = 0
    public var bytesWritten: Int { logBytes + primaryBytes }
}

/// The file behind `fd` into memory (the lock is ours: mapping it again would take another).
private func readWhole(_ fd: Int32, path: String) throws(HiveError) -> HiveStorage {
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
    let size = Int(st.st_size)
    let memory = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(size, 1), alignment: 16)
    var done = 0
    while done < size {
        let n = pread(fd, memory + done, size - done, off_t(done))
        if n < 0 {
            if errno == EINTR { continue }
            let e = errno
            memory.deallocate()
            throw .io(path: path, operation: "read", errno: e)
        }
        if n == 0 { break }
        done += n
    }
    return HiveStorage(adopting: memory, count: done, path: path)
}

private func cText(_ chars: [CChar]) -> String {
    String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension String {
    fileprivate func trimmingSuffixNewline() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
