import Foundation
import HiveFormat
import TestSupport
import Testing

/// Our reading against libhivex's, key by key, value by value, byte for byte, over every
/// primary hive of the corpus that hivex reads without an error.
@Suite(.enabled(if: Corpus.isPresent && Oracle.missingReason == nil,
                "needs ../shared/hives and python3-hivex"))
struct OracleTests {
    @Test(arguments: Corpus.primaryHives())
    func readsLikeLibhivex(_ relative: String) throws {
        if IndexExpectationTests.mustRaise.contains(relative) { return }  // INDEX wins over hivex there
        let path = Corpus.path(relative)
        let theirs = try Oracle.dump(path)
        if theirs.contains("\nX\t") || theirs.hasPrefix("X\t") {
            // hivex raised somewhere: INDEX expectations (IndexExpectationTests) judge this file.
            return
        }
        let hive = try Hive(path: path)
        let ours = ourDump(hive)
        if ours != theirs {
            let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
            let b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("\(relative): first difference at line \(i + 1):\n ours:  \(i < a.count ? String(a[i].prefix(300)) : "<end>")\n hivex: \(i < b.count ? String(b[i].prefix(300)) : "<end>")")
        }
    }
}

/// Hives written by libhivex itself (from hivex's `minimal` image): every value type, names in
/// several scripts, values around the big-data threshold, and a deleted subtree.
@Suite(.enabled(if: Corpus.isPresent && Oracle.missingReason == nil,
                "needs ../shared/hives and python3-hivex"))
struct GeneratedHiveTests {
    static let generator = Corpus.projectRoot.appendingPathComponent("scripts/make-hivex-test-hive.py").path

    @Test func readsWhatLibhivexWrote() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-gen-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("generated.hive").path
        let r = try runProgram(Oracle.python, [Self.generator, Corpus.path("hivex/images/minimal"), out])
        try #require(r.status == 0, "generator failed: \(String(decoding: r.err, as: UTF8.self))")
        let hive = try Hive(path: out)
        let theirs = try Oracle.dump(out)
        #expect(!theirs.contains("X\t"))
        #expect(ourDump(hive) == theirs)

        let sizes = try hive.key(path: "Sizes")
        for n in [16343, 16344, 16345, 70000] {
            let v = try #require(try hive.value(of: sizes, named: RegistryName("b\(n)")))
            let bytes = try hive.data(of: v).bytes
            #expect(bytes.count == n)
            #expect(bytes == (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        }
        let scripts = try hive.subkeys(of: hive.key(path: "Scripts")).map(\.name.description)
        for name in ["Привет", "Γειά", "日本語", "مرحبا", "emoji 🌍", "ÄÖÜ äöü"] {
            #expect(scripts.contains(name), "\(name)")
        }
        #expect(throws: HiveError.self) { try hive.key(path: "Deleted") }
        let types = try hive.key(path: "Types")
        var seen: Set<UInt32> = []
        try hive.forEachValue(of: types) { v throws(HiveError) in seen.insert(v.type.rawValue) }
        #expect(seen.isSuperset(of: Set(0...11).union([0x10, 0xFFFF_0011])))
    }
}
