import Foundation
@testable import HiveFormat
import TestSupport
import Testing

/// Recovery of dirty hives from their logs, judged against what Windows itself produced, yarp's
/// and regipy's expectations, libhivex reading the result, and synthetic damage.
@Suite(.enabled(if: Corpus.isPresent, "needs ../shared/hives"))
struct LogRecoveryTests {
    static let yarp = "yarp/hives_for_tests/"

    func open(_ relative: String) throws(HiveError) -> OpenedHive {
        try Hive.open(path: Corpus.path(relative), logs: .besideHive)
    }

    func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.path(relative))))
    }

    func image(_ hive: Hive) -> [UInt8] { [UInt8](hive.storage.bytes) }

    @Test func newDirtyHive1EqualsWhatWindows10Recovered() throws {
        let opened = try open(Self.yarp + "NewDirtyHive1/NewDirtyHive")
        let r = try #require(opened.recovery)
        #expect(r.format == .new)
        #expect(r.applied.map(\.entries) == [1, 3])
        #expect(r.applied.map(\.sequences) == [2...2, 3...5])
        #expect(r.sequence == 5)
        let windows = try bytes(Self.yarp + "NewDirtyHive1/RecoveredHive_Windows10")
        #expect(image(opened.hive)[4096...] == windows[4096...])
        let hive = opened.hive
        #expect(hive.baseBlock.primarySequence == 5 && hive.baseBlock.secondarySequence == 5)
        #expect(!hive.baseBlock.isDirty)
        for gone in ["Key1", "Key2\\Key2_1", "Key2\\Key2_2"] {
            #expect(throws: HiveError.self) { try hive.key(path: gone) }
        }
        for present in ["Key3", "Key3\\Key3_1", "Key3\\Key3_2", "key3\\key3_3"] {
            _ = try hive.key(path: present)
        }
        let v = try #require(try hive.value(of: hive.key(path: "Key3"), named: RegistryName("")))
        #expect(try hive.data(of: v).count == 1441 * 2)
    }

    @Test func newDirtyHive2AppliesOnlyLog2() throws {
        let r = try #require(try open(Self.yarp + "NewDirtyHive2/NewDirtyHive").recovery)
        #expect(r.applied.count == 1)
        #expect(r.applied[0].log.hasSuffix("NewDirtyHive.LOG2"))
        #expect(r.sequence == 5)
        #expect(r.notes.contains { $0.contains("NewDirtyHive.LOG1") && $0.contains("precede") })
    }

    /// Windows 7 wrote its recovered hive once more after recovery: it refreshed the first bin's
    /// copy of the timestamp and key 4500's largest-value-name field (24 in the log's page, 2 in
    /// Windows' file). Everything else from offset 4096 on is byte for byte what Windows holds.
    @Test(arguments: ["OldDirtyHive/OldDirtyHive", "BadBaseBlockHive/BadBaseBlockHive"])
    func oldFormatRecoveryMatchesWindows7(_ relative: String) throws {
        let opened = try open(Self.yarp + relative)
        let r = try #require(opened.recovery)
        #expect(r.format == .old)
        #expect(r.applied.count == 1 && r.applied[0].log.hasSuffix(".LOG1"))
        #expect(r.pages == 64)
        let hive = opened.hive
        #expect(hive.minorVersion == 3)  // BadBaseBlockHive's own base block said 1.1
        let ours = image(hive), windows = try bytes(Self.yarp + "OldDirtyHive/RecoveredHive_Windows7")
        #expect(ours.count == windows.count)
        let differing = (4096..<min(ours.count, windows.count)).filter { ours[$0] != windows[$0] }
        #expect(differing.allSatisfy { (0x1014..<0x101C).contains($0) || $0 == 0x6BDC8 }, "\(differing.map { String($0, radix: 16) })")

        #expect(throws: HiveError.self) { try hive.key(path: "key_with_many_subkeys\\1") }
        let found = try hive.key(path: "key_with_many_subkeys\\5000\\find_me_in_log")
        let windowsHive = try Hive(path: Corpus.path(Self.yarp + "OldDirtyHive/RecoveredHive_Windows7"))
        #expect(found.lastWritten == (try windowsHive.key(path: "key_with_many_subkeys\\5000\\find_me_in_log")).lastWritten)
        let v = try #require(try hive.value(of: hive.key(path: "key_with_many_subkeys\\4500"), named: RegistryName("v")))
        #expect(v.type == .multiString)
        let units = try hive.data(of: v).bytes
        #expect(String(decoding: stride(from: 0, to: units.count, by: 2).map { UInt16(units[$0]) | UInt16(units[$0 + 1]) << 8 }, as: UTF16.self)
                == "a\0bb\0ccc\0\0")
    }

    @Test(arguments: ["BadLogHive1", "BadLogHive2", "BadLogHive3"])
    func corruptLogsAreRefused(_ dir: String) throws {
        do throws(HiveError) {
            _ = try open(Self.yarp + dir + "/BadLogHive")
            Issue.record("recovery succeeded")
        } catch {
            guard case let .logRecovery(_, inner) = error, case let .noUsableLog(problems) = inner else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(problems.contains { $0.log.hasSuffix("BadLogHive.LOG1") })
        }
        // The primary is still readable as it is.
        _ = try Hive.open(path: Corpus.path(Self.yarp + dir + "/BadLogHive"), logs: .none).hive.checkConsistency()
    }

    /// regipy's cases and the real partial-reconcile Amcache hives: the whole chain in order,
    /// consistent at the end, and libhivex reads the written result exactly as we do.
    @Test(arguments: [
        ("regipy/SYSTEM_B", 315, 2130 as UInt32, [2107...2110, 2111...2130] as [ClosedRange<UInt32>]),
        ("regipy/UsrClass.dat", 158, 300, [287...290, 291...300]),
        ("regipy/transactions_NTUSER.DAT", 132, 588, [566...588]),
        ("dfirartifactmuseum/Windows/Amcache/Win10/APTSimulatorVM/Amcache.hve", 22, 39, [36...37, 38...39]),
        ("dfirartifactmuseum/Windows/Amcache/Win10/RathbunVM/Amcache.hve", 60, 81, [76...80, 81...81]),
        ("dfirartifactmuseum/Windows/Amcache/Win11/RathbunVM/Amcache.hve", 137, 76, [68...69, 70...76]),
    ])
    func realChains(_ relative: String, _ pages: Int, _ sequence: UInt32, _ ranges: [ClosedRange<UInt32>]) throws {
        let opened = try open(relative)
        let r = try #require(opened.recovery)
        #expect(r.pages == pages)
        #expect(r.sequence == sequence)
        #expect(r.applied.map(\.sequences) == ranges)
        let summary = try opened.hive.checkConsistency()
        #expect(summary.keys > 0)
        guard Oracle.missingReason == nil else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-recover-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("recovered").path
        try AtomicWrite.write(opened.hive.storage.bytes, to: out)
        let theirs = try Oracle.dump(out)
        #expect(!theirs.contains("\nX\t"), "libhivex failed on the recovered hive")
        #expect(ourDump(try Hive(path: out)) == theirs)
    }

    @Test func cleanHiveIgnoresItsStaleLogs() throws {
        let opened = try open("dfirartifactmuseum/Windows/Amcache/Win2012R2/StolenSzechuan/Amcache.hve")
        #expect(opened.recovery == nil)
        #expect(opened.notes.isEmpty)
    }

    @Test func dirtyHiveWithoutLogsIsReadAsItIs() throws {
        let opened = try open("regipy/SYSTEM_WIN_10_1709")
        #expect(opened.recovery == nil)
        #expect(opened.notes.first?.contains("no transaction log") == true)
    }

    /// Nothing recovery reads is written: every hive and log, byte for byte, before and after.
    @Test func inputFilesAreNeverModified() throws {
        let cases = ["yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive", "yarp/hives_for_tests/OldDirtyHive/OldDirtyHive",
                     "yarp/hives_for_tests/BadBaseBlockHive/BadBaseBlockHive", "regipy/UsrClass.dat"]
        var files: [String] = []
        for c in cases { files += [c] + LogDiscovery.logs(besideHive: Corpus.path(c)).map { String($0.dropFirst(Corpus.hives.path.count + 1)) } }
        let before = try files.map { try bytes($0) }
        let stats = files.map { f -> timespec in
            var st = stat(); stat(Corpus.path(f), &st); return st.st_mtim
        }
        for c in cases { _ = try open(c).hive.checkConsistency() }
        #expect(try files.map { try bytes($0) } == before)
        for (f, t) in zip(files, stats) {
            var st = stat(); stat(Corpus.path(f), &st)
            #expect(st.st_mtim.tv_sec == t.tv_sec && st.st_mtim.tv_nsec == t.tv_nsec, "\(f) was touched")
        }
    }
}

/// Damage made on purpose to copies of NewDirtyHive1's logs: each must produce its own error.
@Suite(.enabled(if: Corpus.isPresent, "needs ../shared/hives"))
struct LogDamageTests {
    let dir: URL
    let hive: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-logdamage-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = Corpus.path("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive")
        hive = dir.appendingPathComponent("NewDirtyHive").path
        for suffix in ["", ".LOG1", ".LOG2"] {
            try FileManager.default.copyItem(atPath: source + suffix, toPath: hive + suffix)
        }
    }

    func edit(_ suffix: String, _ change: (inout [UInt8]) -> Void) throws {
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: hive + suffix)))
        change(&b)
        try Data(b).write(to: URL(fileURLWithPath: hive + suffix))
    }

    func recoveryError() throws -> LogRecoveryError? {
        defer { try? FileManager.default.removeItem(at: dir) }
        do throws(HiveError) {
            _ = try Hive.open(path: hive, logs: .besideHive)
            return nil
        } catch {
            guard case let .logRecovery(_, inner) = error else { throw error }
            return inner
        }
    }

    /// A flipped byte in a page of the second entry of LOG2: Hash-1 no longer matches.
    @Test func tornEntryIsRefused() throws {
        let second = try TransactionLog(path: hive + ".LOG2").entries[1]
        try edit(".LOG2") { $0[second.fileOffset + Int(second.size) - 1] ^= 0xFF }
        let e = try #require(try recoveryError())
        guard case let .corruptEntry(log, offset, sequence, reason) = e else { Issue.record("\(e)"); return }
        #expect(log.hasSuffix(".LOG2") && offset == second.fileOffset && sequence == 4)
        #expect(reason.hasPrefix("Hash-1"))
    }

    /// LOG2 renumbered to start at 4 (hashes and checksum made right): 3 is missing.
    @Test func gapBetweenLogsIsRefused() throws {
        let entries = try TransactionLog(path: hive + ".LOG2").entries
        try edit(".LOG2") { b in
            b.withUnsafeMutableBytes { raw in
                let p = raw.baseAddress!
                for e in entries {
                    let seq = p.loadUnaligned(fromByteOffset: e.fileOffset + 12, as: UInt32.self) + 1
                    p.storeBytes(of: seq, toByteOffset: e.fileOffset + 12, as: UInt32.self)
                    let h2 = Marvin32.hash(UnsafeRawBufferPointer(start: p + e.fileOffset, count: 32))
                    p.storeBytes(of: h2, toByteOffset: e.fileOffset + 32, as: UInt64.self)
                }
                for at in [4, 8] { p.storeBytes(of: UInt32(4), toByteOffset: at, as: UInt32.self) }
                p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)), toByteOffset: 508, as: UInt32.self)
            }
        }
        let e = try #require(try recoveryError())
        #expect(e == .sequenceGap(log: hive + ".LOG1", lastSequence: 2, nextLog: hive + ".LOG2", nextSequence: 4))
    }

    /// A page reference outside the entry's hive-bins size (hashes made right).
    @Test func pageOutsideTheBinsIsRefused() throws {
        let first = try TransactionLog(path: hive + ".LOG2").entries[0]
        try edit(".LOG2") { b in
            b.withUnsafeMutableBytes { raw in
                let p = raw.baseAddress! + first.fileOffset
                p.storeBytes(of: UInt32(0x10_0000), toByteOffset: 40, as: UInt32.self)
                let h1 = Marvin32.hash(UnsafeRawBufferPointer(start: p + 40, count: Int(first.size) - 40))
                p.storeBytes(of: h1, toByteOffset: 24, as: UInt64.self)
                p.storeBytes(of: Marvin32.hash(UnsafeRawBufferPointer(start: p, count: 32)), toByteOffset: 32, as: UInt64.self)
            }
        }
        let e = try #require(try recoveryError())
        guard case let .corruptEntry(_, _, sequence, reason) = e else { Issue.record("\(e)"); return }
        #expect(sequence == 3 && reason.contains("page 0"))
    }

    /// An entry that grows the hive by a bin its pages leave blank: Windows puts an empty bin
    /// there, and so do we; the result is consistent.
    @Test func blankGrownBinBecomesADummy() throws {
        let last = try TransactionLog(path: hive + ".LOG2").entries[2]
        try edit(".LOG2") { b in
            b.withUnsafeMutableBytes { raw in
                let p = raw.baseAddress! + last.fileOffset
                p.storeBytes(of: last.hiveBinsDataSize + 4096, toByteOffset: 16, as: UInt32.self)
                p.storeBytes(of: Marvin32.hash(UnsafeRawBufferPointer(start: p, count: 32)), toByteOffset: 32, as: UInt64.self)
            }
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let opened = try Hive.open(path: hive, logs: .besideHive)
        let r = try #require(opened.recovery)
        #expect(r.dummyBins == [last.hiveBinsDataSize])
        #expect(opened.hive.baseBlock.hiveBinsDataSize == last.hiveBinsDataSize + 4096)
        _ = try opened.hive.checkConsistency()
    }

    /// LOG2 overwritten with bytes that are no log: its entries 3-5 may be the newest, so
    /// recovery from LOG1 alone is refused, naming LOG2.
    @Test func anUnreadableLogIsRefused() throws {
        try edit(".LOG2") { b in b = (0..<12_288).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }
        let e = try #require(try recoveryError())
        guard case let .unreadableLog(problem) = e else { Issue.record("\(e)"); return }
        #expect(problem.log == hive + ".LOG2" && problem.reason.contains("no regf base block"))
    }

    /// LOG2 with a bad base-block checksum: its sequence numbers cannot be trusted, so it is
    /// refused too.
    @Test func aLogWithABadChecksumIsRefused() throws {
        try edit(".LOG2") { $0[100] ^= 0xFF }
        let e = try #require(try recoveryError())
        guard case let .unreadableLog(problem) = e else { Issue.record("\(e)"); return }
        #expect(problem.log == hive + ".LOG2" && problem.reason.contains("checksum"))
    }

    /// Logs that provably hold nothing needed are passed over, and said: LOG2 reset (its base
    /// block, no entry at its sequence), LOG2 whose write never finished (sequence numbers differ).
    @Test func logsHoldingNothingNeededArePassedOverAndSaid() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: hive + ".LOG2")))
        let cases: [(String, (inout [UInt8]) -> Void)] = [
            ("it holds no entry", { b in b = Array(b[..<512]) + [UInt8](repeating: 0, count: 4096) }),
            ("its write never finished", { b in
                b.withUnsafeMutableBytes { raw in
                    let p = raw.baseAddress!
                    p.storeBytes(of: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self) &- 1, toByteOffset: 8, as: UInt32.self)
                    p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)), toByteOffset: 508, as: UInt32.self)
                }
            }),
        ]
        for (said, change) in cases {
            var b = original
            change(&b)
            try Data(b).write(to: URL(fileURLWithPath: hive + ".LOG2"))
            let r = try #require(try Hive.open(path: hive, logs: .besideHive).recovery)
            #expect(r.applied.map(\.log) == [hive + ".LOG1"] && r.sequence == 2)
            #expect(r.skipped.map(\.log) == [hive + ".LOG2"])
            #expect(r.skipped.first?.reason.contains(said) == true, "\(r.skipped)")
            #expect(r.notes.contains { $0.hasPrefix(hive + ".LOG2: not used: ") })
        }
    }

    /// Explicit --log files with names that do not match the hive.
    @Test func logsNamedExplicitly() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("first.bin").path, b = dir.appendingPathComponent("second.bin").path
        try FileManager.default.moveItem(atPath: hive + ".LOG1", toPath: a)
        try FileManager.default.moveItem(atPath: hive + ".LOG2", toPath: b)
        #expect(try Hive.open(path: hive, logs: .besideHive).recovery == nil)
        let r = try #require(try Hive.open(path: hive, logs: .files([b, a])).recovery)
        #expect(r.applied.map(\.log) == [a, b])
        #expect(r.sequence == 5)
    }
}

/// Recovery's reader of a log, handed one that `TransactionLog`'s parser refused (as if the
/// filter in `LogRecovery.recover` were missing): a typed error naming the log and offset where
/// a force unwrap used to trap.
struct UsableLogTests {
    @Test func aLogWithoutABaseBlockIsAnErrorNotATrap() throws {
        let log = TransactionLog(name: "zeros.LOG1", storage: HiveStorage(copying: [UInt8](repeating: 0, count: 1024)))
        let why = try #require(log.unusable)
        #expect(throws: LogRecoveryError.malformedLog(log: "zeros.LOG1", fileOffset: 0, reason: why)) { try UsableLog(log) }
    }

    @Test func anEmptyLogIsAnErrorNotATrap() {
        let log = TransactionLog(name: "empty.LOG2", storage: HiveStorage(copying: [UInt8]()))
        #expect(throws: LogRecoveryError.malformedLog(log: "empty.LOG2", fileOffset: 0, reason: "the file is empty")) { try UsableLog(log) }
    }
}
