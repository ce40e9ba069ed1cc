#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a dirty hive could not be brought up to date from its logs. Each case names the file,
/// the file offset or sequence number, and the rule; `--no-logs` still reads the primary.
public enum LogRecoveryError: Error, Equatable, Sendable {
    /// Logs exist but none can be applied; each is named with its reason.
    case noUsableLog([LogProblem])
    /// Other logs can be applied, but this one exists and cannot be read, and may hold entries
    /// newer than theirs: recovering without it could lose them.
    case unreadableLog(LogProblem)
    /// Valid logs exist, but none fits this primary (timestamps, sequence numbers).
    case noApplicableLog(reason: String)
    /// An entry carrying the next sequence number of the chain has a bad size, hash or page.
    case corruptEntry(log: String, fileOffset: Int, sequence: UInt32, reason: String)
    /// The next log does not continue the chain: entries between are missing.
    case sequenceGap(log: String, lastSequence: UInt32, nextLog: String, nextSequence: UInt32)
    /// An old-format log wrote a bin that is not a valid hive bin.
    case badRecoveredBin(log: String, fileOffset: Int, reason: String)
    /// After the last entry the hive does not hold together.
    indirect case inconsistentResult(HiveError)
    /// A log passed as usable lacks what recovery reads at `fileOffset` (its base block, an
    /// entry, a page): never expected after `TransactionLog`'s checks, reported rather than trapped.
    case malformedLog(log: String, fileOffset: Int, reason: String)
}

public struct LogProblem: Equatable, Sendable {
    public let log: String
    public let reason: String
}

extension LogRecoveryError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .noUsableLog(problems):
            return "no transaction log can be applied: " + problems.map { "\($0.log): \($0.reason)" }.joined(separator: "; ")
        case let .unreadableLog(problem):
            return "\(problem.log) exists but cannot be read: \(problem.reason); it may hold changes newer than the other logs hold, so recovery without it could lose them (name the logs to apply with --log)"
        case let .noApplicableLog(reason):
            return "no transaction log applies to this hive: \(reason)"
        case let .corruptEntry(log, fileOffset, sequence, reason):
            return "\(log): log entry \(sequence) at file offset 0x\(hex(fileOffset)) is corrupt: \(reason)"
        case let .sequenceGap(log, last, nextLog, next):
            return "the log entries do not chain: \(log) ends at sequence \(last) but \(nextLog) starts at \(next); entries \(last &+ 1)...\(next &- 1) are missing"
        case let .badRecoveredBin(log, fileOffset, reason):
            return "\(log): the recovered hive bin at file offset 0x\(hex(fileOffset)) is invalid: \(reason)"
        case let .inconsistentResult(error):
            return "the hive is inconsistent after applying the logs: \(error)"
        case let .malformedLog(log, fileOffset, reason):
            return "\(log): cannot be applied: \(reason) at file offset 0x\(hex(fileOffset))"
        }
    }
}

/// What recovery did: which logs, which entries, how many pages.
public struct LogRecoveryReport: Sendable {
    public struct AppliedLog: Sendable {
        public let log: String
        /// Entries applied (1 for an old-format log).
        public let entries: Int
        public let sequences: ClosedRange<UInt32>
        public let pages: Int
    }
    public let format: TransactionLog.Format
    public let applied: [AppliedLog]
    /// The sequence number both base-block fields now hold.
    public let sequence: UInt32
    public let pages: Int
    /// Bins that were invalid after the last entry and were replaced by empty ones (hive-bins offsets).
    public let dummyBins: [UInt32]
    /// Facts worth telling: stale logs ignored, missing entries of a partial reconcile, …
    public internal(set) var notes: [String]
    /// Logs that could not be read and were passed over because they provably hold nothing this
    /// hive needs (each also in `notes`): always to be said, never skipped quietly.
    public internal(set) var skipped: [LogProblem] = []
    /// Logs that could not be read and might have held newer changes, left out because a partial
    /// recovery was asked for: the result may lack what they held.
    public internal(set) var leftOut: [LogProblem] = []
    /// What the consistency check of the result read.
    public internal(set) var checked = ConsistencySummary()
    public var entries: Int { applied.reduce(0) { $0 + $1.entries } }

    /// One line for stderr.
    public var summary: String {
        let logs = applied.map { "\($0.log) (\($0.entries == 1 ? "entry" : "entries") \($0.sequences.lowerBound == $0.sequences.upperBound ? "\($0.sequences.lowerBound)" : "\($0.sequences.lowerBound)-\($0.sequences.upperBound)"))" }
        return "applied \(entries) log \(entries == 1 ? "entry" : "entries") (\(pages) pages) from \(logs.joined(separator: ", ")) in memory; the files are not modified"
    }
}

/// Log recovery as Windows does it, on a private copy of the primary's bytes (regf-format.md §1
/// "Transaction logs", §6.2; Suhanov, "Multiple transaction log files").
///
/// New format: with a valid primary base block, every log whose entries start at or after the
/// primary's secondary sequence number is applied, the log with the earlier entries first, and
/// the next log must continue at N + 1. The first entry may be far above the primary's number
/// after a partial reconcile (the primary already holds the data in between); only the state
/// after the last entry has to be consistent. With a bad primary base block only the newest log
/// is used and its base-block copy replaces the primary's.
///
/// Old format: the log whose base-block timestamp equals the primary's (the first bin's when the
/// primary base block is bad) is applied whole; its base-block copy becomes the base block.
public enum LogRecovery {
    /// `primary` is taken as its owner, not as bytes, so it stays mapped while it is read.
    /// `leavingOutUnreadable`: a log that cannot be read and may hold newer changes is left out
    /// (named in `report.leftOut`) instead of being an error — a partial recovery, asked for.
    public static func recover(primary: HiveStorage, path: String?, logs: [TransactionLog],
                               leavingOutUnreadable: Bool = false)
        throws(LogRecoveryError) -> (storage: HiveStorage, report: LogRecoveryReport)
    {
        let candidates = logs.filter { $0.unusable == nil }
        guard !candidates.isEmpty else {
            throw .noUsableLog(logs.map { LogProblem(log: $0.name, reason: $0.unusable ?? "") })
        }
        let image = Image(copying: primary.bytes)
        do throws(LogRecoveryError) {
            // A log that cannot be read is passed over only when it provably holds nothing the
            // primary needs; otherwise it may hold the newest changes, and it is an error.
            var skipped: [LogProblem] = []
            var leftOut: [LogProblem] = []
            for log in logs where !log.isEmpty {
                guard let problem = log.unusable else { continue }
                guard let why = passable(log, primary: image.baseBlock) else {
                    guard leavingOutUnreadable else {
                        throw LogRecoveryError.unreadableLog(LogProblem(log: log.name, reason: problem))
                    }
                    leftOut.append(LogProblem(log: log.name, reason: problem))
                    continue
                }
                skipped.append(LogProblem(log: log.name, reason: "\(problem); \(why)"))
            }
            var usable: [UsableLog] = []
            for log in candidates { usable.append(try UsableLog(log)) }
            var report: LogRecoveryReport
            if usable.contains(where: { $0.format == .new }) {
                report = try applyNew(usable.filter { $0.format == .new }, to: image)
            } else {
                report = try applyOld(usable, to: image)
            }
            report.skipped = skipped
            report.leftOut = leftOut
            report.notes = skipped.map { "\($0.log): not used: \($0.reason)" }
                + leftOut.map { "\($0.log): left out (partial recovery): \($0.reason); whatever it held newer than the other logs is not in the result" }
                + report.notes
            let storage = image.handOver(path: path)
            do {
                let hive = try Hive(storage: storage)
                report.checked = try hive.checkConsistency()
            } catch {
                throw LogRecoveryError.inconsistentResult(error)
            }
            return (storage, report)
        } catch {
            image.discard()
            throw error
        }
    }

    /// Why a log that cannot be applied holds nothing the primary needs, when that can be
    /// known; nil when it cannot (its base block is unreadable, or it would apply). Windows
    /// passes over such logs too: one reset after a reconcile (a base block, no entry at its
    /// sequence), one whose write never finished (its base block's sequence numbers differ: the
    /// flush did not complete, so nothing in it was committed), and an old-format log from
    /// another write (its timestamp is not the primary's).
    static func passable(_ log: TransactionLog, primary: BaseBlock?) -> String? {
        guard let bb = log.baseBlock, let format = log.format, bb.storedChecksum == bb.computedChecksum else { return nil }
        if bb.primarySequence != bb.secondarySequence {
            return "its write never finished, so what it holds was never committed"
        }
        switch format {
        case .new:
            // Base block sound, no entry at its sequence number: an active part of no entries.
            return log.entries.isEmpty && log.corruptEntry == nil ? "it holds no entry from its base block's sequence \(bb.primarySequence) on" : nil
        case .old:
            guard let primary, primary.storedChecksum == primary.computedChecksum,
                  bb.lastWritten.rawValue != primary.lastWritten.rawValue else { return nil }
            return "its timestamp \(bb.lastWritten) is not the primary's \(primary.lastWritten): it is from another write"
        }
    }

    // MARK: New format

    private static func applyNew(_ logs: [UsableLog], to image: Image) throws(LogRecoveryError) -> LogRecoveryReport {
        let primary = image.baseBlock
        let primaryValid = primary.map { $0.storedChecksum == $0.computedChecksum } ?? false
        // Earlier entries first; sequence numbers compare modulo 2^32 (yarp does the same).
        let ordered = logs.sorted { precedes($0.baseBlock.primarySequence, $1.baseBlock.primarySequence) }
        var notes: [String] = []
        var chain: [UsableLog]
        guard let newest = ordered.last else {
            throw .noUsableLog([])
        }
        if primaryValid, let primary {
            let start = primary.secondarySequence
            chain = []
            for log in ordered {
                if precedes(log.baseBlock.primarySequence, start) {
                    notes.append("\(log.name): entries from \(log.baseBlock.primarySequence) precede the primary's secondary sequence number \(start): already in the primary, ignored")
                } else {
                    chain.append(log)
                }
            }
            guard let first = chain.first else {
                throw .noApplicableLog(reason: "every log's entries precede the primary's secondary sequence number \(start)")
            }
            let firstSequence = first.baseBlock.primarySequence
            if firstSequence != start {
                notes.append("entries \(start)...\(firstSequence &- 1) are in no log: a partial reconcile wrote them to the primary already")
            }
        } else {
            chain = [newest]
            notes.append("the primary base block is invalid: only the newest log, \(newest.name), is used, and its base-block copy replaces the primary's")
        }

        var applied: [LogRecoveryReport.AppliedLog] = []
        var last: UInt32?
        var lastLog = ""
        var binsSize = primary?.hiveBinsDataSize ?? 0
        var flags = primary?.flags ?? 0
        var pages = 0
        for log in chain {
            let firstSequence = log.baseBlock.primarySequence
            if let l = last, firstSequence != l &+ 1 {
                if precedes(firstSequence, l &+ 1) {
                    notes.append("\(log.name): entries from \(firstSequence) overlap those applied (up to \(l)): ignored")
                    continue
                }
                throw .sequenceGap(log: lastLog, lastSequence: l, nextLog: log.name, nextSequence: firstSequence)
            }
            var logPages = 0
            for entry in log.entries {
                image.grow(toHiveBins: entry.hiveBinsDataSize)
                for page in entry.pages(in: log.log) {
                    try image.write(page.offset, from: log, at: page.fileOffset, count: page.size)
                }
                binsSize = entry.hiveBinsDataSize
                flags = (flags & ~1) | (entry.flags & 1)
                logPages += entry.pageCount
                last = entry.sequence
            }
            if let bad = log.corruptEntry {
                throw .corruptEntry(log: log.name, fileOffset: bad.fileOffset, sequence: bad.sequence, reason: bad.reason)
            }
            if log.chainEnd.hasPrefix("stale") {
                notes.append("\(log.name): \(log.chainEnd)")
            }
            guard let firstEntry = log.entries.first, let lastEntry = log.entries.last else {
                throw .malformedLog(log: log.name, fileOffset: 512, reason: "no entry chains from the base block")
            }
            applied.append(.init(log: log.name, entries: log.entries.count,
                                 sequences: firstEntry.sequence...lastEntry.sequence, pages: logPages))
            lastLog = log.name
            pages += logPages
        }
        guard let last else {
            throw .noApplicableLog(reason: "no log entry was applied")
        }
        if !primaryValid {
            image.replaceBaseBlock(with: newest)
        }
        image.finishBaseBlock(sequence: last, hiveBinsSize: binsSize, flags: flags)
        let dummies = image.replaceInvalidBins(upTo: binsSize)
        if !dummies.isEmpty {
            notes.append("\(dummies.count) invalid hive \(dummies.count == 1 ? "bin was" : "bins were") replaced by empty ones, as Windows does: " + dummies.map { "0x\(hex($0))" }.joined(separator: ", "))
        }
        return LogRecoveryReport(format: .new, applied: applied, sequence: last, pages: pages,
                                 dummyBins: dummies, notes: notes)
    }

    // MARK: Old format

    private static func applyOld(_ logs: [UsableLog], to image: Image) throws(LogRecoveryError) -> LogRecoveryReport {
        let primary = image.baseBlock
        let primaryValid = primary.map { $0.storedChecksum == $0.computedChecksum } ?? false
        // The log must come from the same write as the primary: its last-written timestamp
        // equals the primary base block's. With a bad base block the first bin's copy of the
        // timestamp stands in; that copy is refreshed only when the first bin is next written,
        // so it may lag (BadBaseBlockHive: bin 2017-03-04, log 2017-03-06) and a log that is
        // not older qualifies, as in yarp.
        guard let stamp = primaryValid ? primary?.lastWritten.rawValue : image.firstBinTimestamp else {
            throw .noApplicableLog(reason: "the primary has neither a valid base block nor a first hive bin to take a timestamp from")
        }
        let fits: (UsableLog) -> Bool = { log in
            let t = log.baseBlock.lastWritten.rawValue
            return primaryValid ? t == stamp : t >= stamp
        }
        let matching = logs.filter(fits)
        guard var log = matching.first else {
            let seen = logs.map { "\($0.name) has \($0.baseBlock.lastWritten)" }.joined(separator: ", ")
            throw .noApplicableLog(reason: "the old-format logs' timestamps do not match the primary's \(FileTime(rawValue: stamp))\(primaryValid ? "" : " (its first bin's copy)") (\(seen))")
        }
        for other in matching.dropFirst() where precedes(log.baseBlock.primarySequence, other.baseBlock.primarySequence) {
            log = other
        }
        let bb = log.baseBlock
        image.grow(toHiveBins: bb.hiveBinsDataSize)
        for (i, offset) in log.log.dirtyPageOffsets.enumerated() {
            try image.write(offset, from: log, at: log.log.dirtyPagesStart + i * 512, count: 512)
        }
        if let bad = image.firstInvalidBin(upTo: bb.hiveBinsDataSize) {
            throw .badRecoveredBin(log: log.name, fileOffset: Int(bad.offset) + BaseBlock.size, reason: bad.reason)
        }
        image.replaceBaseBlock(with: log)
        image.finishBaseBlock(sequence: bb.primarySequence, hiveBinsSize: bb.hiveBinsDataSize, flags: bb.flags)
        var notes: [String] = []
        for other in logs where other.name != log.name {
            notes.append("\(other.name): not applied (\(fits(other) ? "an older sequence number" : "its timestamp \(other.baseBlock.lastWritten) is not the primary's"))")
        }
        let pages = log.log.dirtyPageOffsets.count
        return LogRecoveryReport(format: .old,
                                 applied: [.init(log: log.name, entries: 1, sequences: bb.primarySequence...bb.primarySequence, pages: pages)],
                                 sequence: bb.primarySequence, pages: pages, dummyBins: [], notes: notes)
    }

    /// `a` comes before `b` in sequence order, modulo 2^32.
    static func precedes(_ a: UInt32, _ b: UInt32) -> Bool {
        a != b && Int32(bitPattern: b &- a) > 0
    }
}

/// A log `TransactionLog` found usable (`unusable == nil`), with what that promises — a base
/// block, a format, at least a sector of bytes — checked again and held without optionals, so
/// recovery reads it without a force unwrap. A gap in the parser's checks becomes
/// `LogRecoveryError.malformedLog` naming the log and offset.
struct UsableLog {
    let log: TransactionLog
    let baseBlock: BaseBlock
    let format: TransactionLog.Format
    let bytes: UnsafeRawBufferPointer
    /// The log's first sector (its base-block copy).
    let baseBlockBytes: UnsafeRawPointer

    init(_ log: TransactionLog) throws(LogRecoveryError) {
        guard let bb = log.baseBlock, let base = log.storage.bytes.baseAddress, log.storage.bytes.count >= 512 else {
            throw .malformedLog(log: log.name, fileOffset: 0, reason: log.unusable ?? "no regf base block")
        }
        guard let format = log.format else {
            throw .malformedLog(log: log.name, fileOffset: 0, reason: "file type \(bb.fileType) is not a log's")
        }
        self.log = log
        baseBlock = bb
        self.format = format
        bytes = log.storage.bytes
        baseBlockBytes = base
    }

    var name: String { log.name }
    var entries: [LogEntry] { log.entries }
    var corruptEntry: (fileOffset: Int, sequence: UInt32, reason: String)? { log.corruptEntry }
    var chainEnd: String { log.chainEnd }
}

/// The hive being recovered: a growable private copy of the primary file.
private final class Image {
    private(set) var memory: UnsafeMutableRawPointer
    private(set) var count: Int
    private var owned = true

    init(copying primary: UnsafeRawBufferPointer) {
        count = Swift.max(primary.count, BaseBlock.size)
        memory = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: count)
        if let src = primary.baseAddress { memory.copyMemory(from: src, byteCount: primary.count) }
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: memory, count: count) }
    var baseBlock: BaseBlock? {
        guard count >= 512, UnsafeRawPointer(memory).u32(0) == Signature.regf else { return nil }
        return try? BaseBlock(bytes: bytes)
    }
    /// The first bin's copy of the last-written time (used when the base block is bad).
    var firstBinTimestamp: UInt64? {
        let p = UnsafeRawPointer(memory)
        guard count >= BaseBlock.size + 32, p.u32(BaseBlock.size) == Signature.hbin else { return nil }
        return p.u64(BaseBlock.size + 20)
    }

    /// The file grows to hold the hive-bins size an entry declares; it never shrinks (bytes past
    /// the bins stay, as they do in the file Windows recovers in place).
    func grow(toHiveBins size: UInt32) {
        let needed = BaseBlock.size + Int(size)
        guard needed > count else { return }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
        bigger.copyMemory(from: memory, byteCount: count)
        (bigger + count).initializeMemory(as: UInt8.self, repeating: 0, count: needed - count)
        memory.deallocate()
        memory = bigger
        count = needed
    }

    /// Copies `length` bytes at `fileOffset` of `log` to hive-bins offset `offset`. The log's
    /// parser already checked both ranges (entry validation, `grow`); checked again here, so a
    /// gap in those checks is an error naming the log and offset, never a write out of bounds.
    func write(_ offset: UInt32, from log: UsableLog, at fileOffset: Int, count length: Int) throws(LogRecoveryError) {
        let at = BaseBlock.size + Int(offset)
        guard length >= 0, fileOffset >= 0, at + length <= count, fileOffset + length <= log.bytes.count,
              let source = log.bytes.baseAddress
        else {
            throw .malformedLog(log: log.name, fileOffset: fileOffset,
                                reason: "a page of \(length) bytes for hive-bins offset 0x\(hex(offset)) lies outside the log or the image")
        }
        (memory + at).copyMemory(from: source + fileOffset, byteCount: length)
    }

    /// The first 512 bytes of a log's base-block copy become the base block.
    func replaceBaseBlock(with log: UsableLog) {
        memory.copyMemory(from: log.baseBlockBytes, byteCount: 512)
    }

    /// The state after the last entry, clean: both sequence numbers, the bins size, the flags,
    /// file type 0 (primary), and a fresh checksum.
    func finishBaseBlock(sequence: UInt32, hiveBinsSize: UInt32, flags: UInt32) {
        store(sequence, at: 4)
        store(sequence, at: 8)
        store(0, at: 28)
        store(hiveBinsSize, at: 40)
        store(flags, at: 144)
        store(BaseBlock.checksum(UnsafeRawPointer(memory)), at: 508)
    }

    private func store(_ v: UInt32, at offset: Int) {
        memory.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    func firstInvalidBin(upTo size: UInt32) -> (offset: UInt32, reason: String)? {
        var pos: UInt32 = 0
        while pos < size {
            if let why = binProblem(at: pos, limit: size) { return (pos, why) }
            pos += UnsafeRawPointer(memory).u32(BaseBlock.size + Int(pos) + 8)
        }
        return nil
    }

    /// Windows replaces a bin that is invalid after recovery with an empty one (one 4 KiB page:
    /// the header and a single free cell) and goes on at the next page.
    func replaceInvalidBins(upTo size: UInt32) -> [UInt32] {
        var replaced: [UInt32] = []
        var pos: UInt32 = 0
        while pos < size {
            if binProblem(at: pos, limit: size) == nil {
                pos += UnsafeRawPointer(memory).u32(BaseBlock.size + Int(pos) + 8)
                continue
            }
            let bin = memory + BaseBlock.size + Int(pos)
            bin.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
            bin.storeBytes(of: Signature.hbin.littleEndian, toByteOffset: 0, as: UInt32.self)
            bin.storeBytes(of: pos.littleEndian, toByteOffset: 4, as: UInt32.self)
            bin.storeBytes(of: UInt32(4096).littleEndian, toByteOffset: 8, as: UInt32.self)
            bin.storeBytes(of: UInt32(4096 - 32).littleEndian, toByteOffset: 32, as: UInt32.self)
            replaced.append(pos)
            pos += 4096
        }
        return replaced
    }

    private func binProblem(at pos: UInt32, limit: UInt32) -> String? {
        let p = UnsafeRawPointer(memory) + BaseBlock.size + Int(pos)
        guard UInt64(BaseBlock.size) + UInt64(pos) + 32 <= UInt64(count) else { return "past the end of the file" }
        guard p.u32(0) == Signature.hbin else { return "no \"hbin\" signature (found \"\(p.signature(0, count: 4))\")" }
        guard p.u32(4) == pos else { return "its offset field says 0x\(hex(p.u32(4)))" }
        let size = p.u32(8)
        guard size >= 4096, size & 0xFFF == 0, UInt64(pos) + UInt64(size) <= UInt64(limit) else {
            return "its size 0x\(hex(size)) is not a multiple of 4096 inside the hive-bins data"
        }
        return nil
    }

    func handOver(path: String?) -> HiveStorage {
        owned = false
        return HiveStorage(adopting: memory, count: count, path: path)
    }

    func discard() {
        if owned { memory.deallocate(); owned = false }
    }

    deinit { discard() }
}
