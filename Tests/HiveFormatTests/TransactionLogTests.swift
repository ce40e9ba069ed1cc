import Foundation
import HiveFormat
import TestSupport
import Testing

/// Parsing transaction logs on their own: Marvin32, HvLE chains, DIRT vectors, discovery.
struct TransactionLogTests {
    /// The published Marvin32 vectors (seed 0x004FB61A001BDBCC), which also cover the tail bytes
    /// a log entry never has (its hashed lengths are multiples of 4).
    @Test(arguments: [
        ("", 0x30ED_35C1_00CD_3C7D as UInt64),
        ("af", 0x48E7_3FC7_7D75_DDC1),
        ("e70f", 0xB5F6_E1FC_485D_BFF8),
        ("37f495", 0xF0B0_7C78_9B8C_F7E8),
        ("8642dc59", 0x7008_F2E8_7E9C_F556),
        ("153fb79826", 0xE6C0_8C6D_A2AF_A997),
        ("0932e6246c47", 0x6F04_BF1A_5EA2_4060),
        ("ab427ea8d10fc7", 0xE118_47E4_F067_8C41),
    ])
    func marvin32Vectors(_ hexInput: String, _ expected: UInt64) {
        let bytes = stride(from: 0, to: hexInput.count, by: 2).map { i -> UInt8 in
            let s = hexInput.index(hexInput.startIndex, offsetBy: i)
            return UInt8(hexInput[s..<hexInput.index(s, offsetBy: 2)], radix: 16)!
        }
        let h = bytes.withUnsafeBytes { Marvin32.hash($0, seed: 0x004F_B61A_001B_DBCC) }
        #expect(h == expected, "Marvin32(\(hexInput)) = 0x\(String(h, radix: 16))")
    }

    /// Every HvLE log of the corpus: the active chain INDEX.md names, each entry's two hashes
    /// verified with the registry seed.
    @Test(.enabled(if: Corpus.isPresent), arguments: [
        ("regipy/SYSTEM_B.LOG1", 2107 as UInt32, 2110 as UInt32),
        ("regipy/SYSTEM_B.LOG2", 2111, 2130),
        ("regipy/UsrClass.dat.LOG1", 287, 290),
        ("regipy/UsrClass.dat.LOG2", 291, 300),
        ("regipy/transactions_ntuser.dat.log1", 566, 588),
        ("regipy/transactions_ntuser.dat.log2", 562, 562),
        ("regf-samples/10-missing_log_entries/after/SOFTWARE.LOG1", 1965, 1982),
        ("regf-samples/8.1-unreconciled/after/SYSTEM.LOG1", 206, 237),
        ("regf-samples/8.1-unreconciled/after/SYSTEM.LOG2", 196, 196),
        ("regf-samples/8.1-unreconciled/before/SYSTEM.LOG1", 197, 205),
        ("dfirartifactmuseum/Windows/Registry/Win10/DRIVERS.LOG1", 34, 34),
        ("dfirartifactmuseum/Windows/Registry/Win10/DRIVERS.LOG2", 32, 32),
        ("dfirartifactmuseum/Windows/Registry/Win10/BCD-Template.LOG", 4, 4),
        ("dfirartifactmuseum/Windows/Amcache/Win10/APTSimulatorVM/Amcache.hve.LOG2", 38, 39),
        ("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive.LOG2", 3, 5),
    ])
    func newFormatChains(_ relative: String, _ first: UInt32, _ last: UInt32) throws {
        let log = try TransactionLog(path: Corpus.path(relative))
        #expect(log.format == .new)
        #expect(log.unusable == nil)
        #expect(log.corruptEntry == nil)
        #expect(log.sequenceRange == first...last)
        #expect(log.entries.map(\.sequence) == Array(first...last))
        for e in log.entries {
            #expect(e.fileOffset % 512 == 0 && e.size % 512 == 0 && e.hiveBinsDataSize % 4096 == 0)
        }
    }

    @Test(.enabled(if: Corpus.isPresent))
    func staleEntryEndsTheChain() throws {
        let log = try TransactionLog(path: Corpus.path("dfirartifactmuseum/Windows/Amcache/Win10/APTSimulatorVM/Amcache.hve.LOG2"))
        #expect(log.chainEnd.hasPrefix("stale entry with sequence 27"))
    }

    @Test(.enabled(if: Corpus.isPresent))
    func oldFormatLogs() throws {
        let log = try TransactionLog(path: Corpus.path("yarp/hives_for_tests/OldDirtyHive/OldDirtyHive.LOG1"))
        #expect(log.format == .old)
        #expect(log.unusable == nil)
        #expect(log.dirtyPageOffsets.count == 64)
        #expect(log.dirtyPagesStart == 1024)
        // NT 3.1's log is file type 2.
        let nt31 = try TransactionLog(path: Corpus.path("regf-samples/3.1/SOFTWARE.LOG"))
        #expect(nt31.format == .old)
        // Remnant bytes after the pages do not matter; a base block and a vector without pages is a log.
        #expect(try TransactionLog(path: Corpus.path("yarp/hives_for_tests/OldLogWithRemnantData")).unusable == nil)
        let xp = try TransactionLog(path: Corpus.path("plaso/test_data/ntuser.dat.LOG"))
        #expect(xp.format == .old)
    }

    @Test(.enabled(if: Corpus.isPresent), arguments: [
        ("yarp/hives_for_tests/BadLogHive1/BadLogHive.LOG1", "checksum"),
        ("yarp/hives_for_tests/BadLogHive2/BadLogHive.LOG1", "DIRT"),
        ("yarp/hives_for_tests/BadLogHive3/BadLogHive.LOG1", "checksum"),
        ("yarp/hives_for_tests/BadLogHive1/BadLogHive.LOG2", "empty"),
        ("yarp/hives_for_tests/SqliteFragment.sqlite", "regf"),
        ("yarp/hives_for_tests/EmptyHive", "primary hive"),
    ])
    func unusableLogsSayWhy(_ relative: String, _ word: String) throws {
        let log = try TransactionLog(path: Corpus.path(relative))
        let why = try #require(log.unusable)
        #expect(why.contains(word), "\(why)")
    }

    /// NAME.LOG1, NAME.LOG2, NAME.LOG beside the hive, any case, LOG1 first.
    @Test(.enabled(if: Corpus.isPresent), arguments: [
        ("1/aa", ["aa.LOG1", "aa.LOG2", "aa.LOG"]),
        ("2/AA", ["aa.LOG1", "aa.LOG2"]),
        ("3/AA", ["aa.log1", "aa.log"]),
        ("4/AA", ["aa.log1", "aa.log2", "aa.LOG"]),
        ("5/aa", []),
    ])
    func discovery(_ hive: String, _ expected: [String]) {
        let found = LogDiscovery.logs(besideHive: Corpus.path("yarp/hives_for_tests/Discovery/" + hive))
        #expect(found.map { ($0 as NSString).lastPathComponent } == expected)
    }
}
