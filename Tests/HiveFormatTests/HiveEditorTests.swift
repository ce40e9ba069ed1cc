import Foundation
@testable import HiveFormat
import TestSupport
import Testing

/// Hives we write: read back by us, by the full check, and by libhivex.
struct HiveEditorTests {
    /// A clock that moves one second per reading, from 2026-01-01.
    final class TestClock: @unchecked Sendable {
        var t: UInt64 = 134_117_856_000_000_000
        func now() -> FileTime { t += 10_000_000; return FileTime(rawValue: t) }
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hk-edit-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Our checker finds nothing wrong and no leaked cell (every cell we allocated is used).
    func expectSound(_ hive: Hive, sourceLocation: SourceLocation = #_sourceLocation) throws {
        _ = try hive.checkConsistency()
        let r = hive.check()
        #expect(r.problems == [], sourceLocation: sourceLocation)
        #expect(r.leakedCells == 0, "\(r.notes)", sourceLocation: sourceLocation)
    }

    func units(_ bytes: [UInt8]) -> [UInt16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }

    @Test func keysAndValuesOfEveryType() throws {
        let clock = TestClock()
        let e = try HiveEditor.create(path: nil, clock: clock.now)
        let root = e.hive.baseBlock.rootCellOffset
        let (software, created) = try e.createKey(under: root, named: "Software", className: "Class")
        #expect(created)
        #expect(try e.createKey(under: root, named: "SOFTWARE").offset == software)
        let samples: [(String, UInt32, [UInt8])] = [
            ("", 1, Array("default\0".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })),
            ("none", 0, []), ("dword", 4, [0x2A, 0, 0, 0]), ("qword", 11, [1, 2, 3, 4, 5, 6, 7, 8]),
            ("three", 3, [1, 2, 3]), ("odd", 0xFFFF_0011, [9]),
            ("cell", 3, (0..<16344).map { UInt8(truncatingIfNeeded: $0) }),
            ("big", 3, (0..<16345).map { UInt8(truncatingIfNeeded: $0 &* 3) }),
            ("huge", 3, (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }),
        ]
        for (name, type, bytes) in samples {
            try e.setValue(of: software, named: RegistryName(name), type: type, bytes: bytes)
        }
        let key = try e.hive.key(path: "software")
        #expect(key.valueCount == UInt32(samples.count))
        #expect(try e.hive.className(of: key) == "Class")
        for (name, type, bytes) in samples {
            let v = try #require(try e.hive.value(of: key, named: RegistryName(name)))
            #expect(v.type.rawValue == type)
            #expect(try e.hive.data(of: v).bytes == bytes, "\(name)")
        }
        #expect(key.maxValueDataSize == 100_000)
        // Replace, then delete.
        try e.setValue(of: software, named: "huge", type: 4, bytes: [1, 0, 0, 0])
        #expect(try e.hive.data(of: #require(try e.hive.value(of: key, named: "huge"))).bytes == [1, 0, 0, 0])
        #expect(try e.deleteValue(of: software, named: "BIG"))
        #expect(try !e.deleteValue(of: software, named: "big"))
        #expect(try e.hive.value(of: e.hive.key(path: "software"), named: "big") == nil)
        try expectSound(e.hive)
    }

    @Test func windowsLimitsAreClearErrors() throws {
        let e = try HiveEditor.create(path: nil)
        let root = e.hive.baseBlock.rootCellOffset
        #expect(throws: HiveError.self) { try e.createKey(under: root, named: RegistryName(String(repeating: "k", count: 256))) }
        _ = try e.createKey(under: root, named: RegistryName(String(repeating: "k", count: 255)))
        #expect(throws: HiveError.self) { try e.createKey(under: root, named: "a\\b") }
        #expect(throws: HiveError.self) { try e.createKey(under: root, named: "") }
        #expect(throws: HiveError.self) {
            try e.setValue(of: root, named: RegistryName(String(repeating: "v", count: 16_384)), type: 1, bytes: [])
        }
        var parent = root
        for i in 0..<511 { parent = try e.createKey(under: parent, named: RegistryName("d\(i)")).offset }
        #expect(throws: HiveError.self) { try e.createKey(under: parent, named: "deeper") }
        #expect(throws: HiveError.self) { try e.deleteKey(root) }
    }

    /// Deleting frees cells and later creations reuse them: the hive does not grow again.
    @Test func freedCellsAreReused() throws {
        let e = try HiveEditor.create(path: nil)
        let root = e.hive.baseBlock.rootCellOffset
        func build() throws -> UInt32 {
            let top = try e.createKey(under: root, named: "tree").offset
            for i in 0..<300 {
                let k = try e.createKey(under: top, named: RegistryName("key \(i)")).offset
                try e.setValue(of: k, named: "v", type: 1, bytes: Array(repeating: UInt8(i & 0x7F), count: 200))
            }
            return top
        }
        let top = try build()
        let grown = e.hive.binsLimit
        try e.deleteKey(top, recursive: true)
        #expect(throws: HiveError.self) { try e.hive.key(path: "tree") }
        try expectSound(e.hive)
        _ = try build()
        #expect(e.hive.binsLimit == grown)
        try expectSound(e.hive)
    }

    /// Past 507 entries the list is an ri of lh leaves, still sorted across leaves; names that
    /// only Windows' upper-casing orders (ß, Greek, Cyrillic, non-BMP) sort as the reader expects.
    @Test func bigListsSplitIntoIndexRoots() throws {
        let e = try HiveEditor.create(path: nil)
        let root = e.hive.baseBlock.rootCellOffset
        let top = try e.createKey(under: root, named: "many").offset
        var names = (0..<1200).map { "k\(($0 * 7919) % 1200)" }
        names += ["straße", "STRASSE", "Σίσυφος", "σίσυφοσ2", "Привет", "привет2", "𐐀 deseret", "𐐨 deseret", "ǅ", "ǆ2"]
        for n in names { _ = try e.createKey(under: top, named: RegistryName(n)) }
        let many = try e.hive.key(path: "many")
        #expect(many.subkeyCount == UInt32(names.count))
        let list = try e.hive.cell(at: many.subkeyListOffset)
        #expect(list.data.load(as: UInt16.self) == 0x6972)  // "ri"
        for n in names { #expect(try e.hive.subkey(of: many, named: RegistryName(n.uppercased())) != nil || n.contains("ß") || n.contains("𐐨")) }
        try expectSound(e.hive)
        // Deleting removes entries in place (the ri keeps its shrunken leaves); a leaf that
        // would be left empty makes the list be rebuilt, which brings it back to one leaf.
        for n in names.dropFirst(100) { try e.deleteKey(try e.hive.key(path: "many\\" + n).offset) }
        let fewer = try e.hive.key(path: "many")
        #expect(fewer.subkeyCount == 100)
        try expectSound(e.hive)
        for n in names.prefix(99) { try e.deleteKey(try e.hive.key(path: "many\\" + n).offset) }
        let one = try e.hive.key(path: "many")
        #expect(one.subkeyCount == 1)
        #expect(try e.hive.cell(at: one.subkeyListOffset).data.load(as: UInt16.self) == 0x686C)  // "lh"
        try expectSound(e.hive)
    }

    @Test func securityCellsAreSharedAndCounted() throws {
        let e = try HiveEditor.create(path: nil)
        let root = e.hive.baseBlock.rootCellOffset
        let a = try e.createKey(under: root, named: "a").offset
        let b = try e.createKey(under: root, named: "b").offset
        let rootKey = try e.hive.key(at: root)
        #expect(try e.hive.key(at: a).securityOffset == rootKey.securityOffset)
        #expect(try e.hive.security(of: rootKey).referenceCount == 3)
        var other = HiveEditor.defaultRootSecurity
        other[0x5C] = 0x22  // the third ACE's BU → S-1-5-32-546 (Guests)
        try e.setSecurity(of: a, to: other)
        try e.setSecurity(of: b, to: other)
        let shared = try e.hive.key(at: a).securityOffset
        #expect(try e.hive.key(at: b).securityOffset == shared)
        #expect(try e.hive.security(of: e.hive.key(at: b)).referenceCount == 2)
        #expect(try e.hive.security(of: e.hive.key(at: root)).referenceCount == 1)
        try e.deleteKey(a)
        try e.deleteKey(b)
        #expect(!e.hive.cellIsAllocated(shared))
        try expectSound(e.hive)
    }

    /// On disk: flushed hives read back identically in libhivex, and a reopened editor goes on.
    /// The file as it is on disk (the editor holds it under an exclusive lock, so no mapping).
    static func onDisk(_ path: String) throws -> Hive {
        try Hive(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test(.enabled(if: Oracle.missingReason == nil, "needs python3-hivex"))
    func writtenHivesReadInLibhivex() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("NTUSER.DAT").path
        let e = try HiveEditor.create(path: path)
        let root = e.hive.baseBlock.rootCellOffset
        for i in 0..<50 {
            let k = try e.createKey(under: root, named: RegistryName("Key \(i) ünïcödé Привет")).offset
            for (j, size) in [0, 5, 16344, 16345, 40000].enumerated() {
                try e.setValue(of: k, named: RegistryName("v\(j)"), type: UInt32(j), bytes: Array(repeating: UInt8(j), count: size))
            }
        }
        // Thousands of keys under one parent: lh leaves under an ri.
        let many = try e.createKey(under: root, named: "many").offset
        for i in 0..<2500 { _ = try e.createKey(under: many, named: RegistryName("entry \((i * 7919) % 2500)")) }
        try e.flush()
        #expect(try Oracle.dump(path) == ourDump(try Self.onDisk(path)))
        try e.deleteKey(try e.hive.key(path: "Key 7 ünïcödé Привет").offset)
        try e.setValue(of: root, named: "after", type: 1, bytes: [65, 0, 0, 0])
        let stats = try e.flush()
        #expect(stats.fsyncs == 3)
        #expect(try Oracle.dump(path) == ourDump(try Self.onDisk(path)))
        let reread = try Self.onDisk(path)
        #expect(!reread.baseBlock.isDirty)
        try expectSound(reread)
    }

    /// nt-hive's testhive case-folding names (offreg wrote them): BMP letters fold, letters
    /// outside the BMP do not; libhivex reads the lists we sort the same way.
    @Test(.enabled(if: Oracle.missingReason == nil, "needs python3-hivex"))
    func caseFoldingEdgeCases() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fold.hive").path
        let e = try HiveEditor.create(path: path)
        let top = try e.createKey(under: e.hive.baseBlock.rootCellOffset, named: "character-encoding-test").offset
        for n in ["äöü", "𐐐", "𐐸", "Ａ", "ǅ", "ß", "Σ"] { #expect(try e.createKey(under: top, named: RegistryName(n)).created, "\(n)") }
        for n in ["ÄÖÜ", "ａ", "ǆ", "Ǆ", "σ", "ς"] { #expect(try !e.createKey(under: top, named: RegistryName(n)).created, "\(n)") }
        #expect(try e.createKey(under: top, named: "SS").created)  // ß does not fold to SS
        try e.flush()
        let hive = try Self.onDisk(path)
        try expectSound(hive)
        #expect(try Oracle.dump(path) == ourDump(hive))
    }

    /// Editing a version 1.3 hive written by Windows: lists become lf leaves under an ri.
    @Test(.enabled(if: Corpus.isPresent && Oracle.missingReason == nil, "needs ../shared/hives and python3-hivex"))
    func editingAVersion13Hive() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ManySubkeysHive").path
        try FileManager.default.copyItem(atPath: Corpus.path("yarp/hives_for_tests/ManySubkeysHive"), toPath: path)
        let e = try HiveEditor.open(path: path)
        #expect(e.hive.minorVersion == 3)
        let many = try e.hive.key(path: "key_with_many_subkeys").offset
        for i in 0..<10 { _ = try e.createKey(under: many, named: RegistryName("new \(i)")) }
        for i in 1...5 { try e.deleteKey(try e.hive.key(path: "key_with_many_subkeys\\\(i)").offset) }
        try e.flush()
        let hive = try Self.onDisk(path)
        #expect(try hive.key(path: "key_with_many_subkeys").subkeyCount == 5005)
        let list = try hive.cell(at: hive.key(path: "key_with_many_subkeys").subkeyListOffset)
        let leaf = try hive.cell(at: list.data.u32(4))
        #expect(leaf.data.load(as: UInt16.self) == 0x666C)  // "lf"
        #expect(hive.check().problems == [])
        #expect(try Oracle.dump(path) == ourDump(hive))
    }

    @Test func secondWriterIsRefusedByName() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("hive").path
        let e = try HiveEditor.create(path: path)
        #expect(throws: HiveError.self) { try HiveEditor.open(path: path) }
        do {
            _ = try HiveEditor.open(path: path)
        } catch {
            #expect(error.description.contains("open for writing by pid \(getpid())"))
        }
        _ = e
    }
}

/// Opening dirty hives for writing: recovered from the logs and reconciled first; without logs
/// only when the caller accepts the primary as it is.
@Suite(.enabled(if: Corpus.isPresent, "needs ../shared/hives"))
struct DirtyHiveEditingTests {
    func copy(_ relative: String, logs: [String] = []) throws -> (URL, String) {
        let dir = try HiveEditorTests.tempDir()
        let name = (relative as NSString).lastPathComponent
        let target = dir.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: Corpus.path(relative), toPath: target)
        for suffix in logs { try FileManager.default.copyItem(atPath: Corpus.path(relative) + suffix, toPath: target + suffix) }
        return (dir, target)
    }

    @Test func dirtyHiveIsRecoveredAndReconciledBeforeWriting() throws {
        let (dir, path) = try copy("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive", logs: [".LOG1", ".LOG2"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = try HiveEditor.open(path: path)
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let windows = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path("yarp/hives_for_tests/NewDirtyHive1/RecoveredHive_Windows10"))))
        #expect(onDisk[4096...] == windows[4096...])
        let reread = try Hive(bytes: onDisk)
        #expect(!reread.baseBlock.isDirty)
        #expect(reread.baseBlock.primarySequence == 5)
        _ = try e.createKey(under: e.hive.baseBlock.rootCellOffset, named: "added")
        try e.flush()
        let after = try Hive(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(after.baseBlock.primarySequence == 6 && after.baseBlock.secondarySequence == 6)
        _ = try after.key(path: "Key3\\Key3_1")
        _ = try after.key(path: "added")
        #expect(after.check().problems.isEmpty)
    }

    @Test func dirtyHiveWithoutLogsNeedsConsent() throws {
        let (dir, path) = try copy("regipy/SECURITY")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: HiveError.dirtyWithoutLogs(path: path)) { try HiveEditor.open(path: path) }
        let e = try HiveEditor.open(path: path, acceptDirty: true)
        try e.setValue(of: e.hive.baseBlock.rootCellOffset, named: "touched", type: 4, bytes: [1, 0, 0, 0])
        try e.flush()
        let after = try Hive(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(!after.baseBlock.isDirty)
        #expect(after.check().problems.isEmpty)
    }

    @Test func corruptLogsRefuseWriting() throws {
        let (dir, path) = try copy("yarp/hives_for_tests/BadLogHive3/BadLogHive", logs: [".LOG1", ".LOG2"])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: HiveError.self) { try HiveEditor.open(path: path) }
        let untouched = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(untouched == (try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path("yarp/hives_for_tests/BadLogHive3/BadLogHive"))))))
    }
}
