import Foundation
@testable import HiveFormat
import Testing

/// The thread that indexes the bins beside a walk from the root (BinIndexer), and the walk that
/// takes bins from it: the same tables, the same walk, with or without it.
@Suite(.enabled(if: Corpus.isPresent))
struct BinIndexerTests {
    /// Over BinIndexer.minimumLength (4 MiB of bins).
    static let bigHives = ["regipy/SYSTEM", "regipy/SYSTEM_2", "regipy/NTUSER_BAGMRU.DAT"]
    static var hasSecondCPU: Bool { ProcessInfo.processInfo.activeProcessorCount > 1 }

    static func waitUntilFinished(_ indexer: BinIndexer) async throws {
        for _ in 0..<2000 where !indexer.finished.load(ordering: .acquiring) {  // at most 10 s
            try await Task.sleep(for: .milliseconds(5))
        }
        let finished = indexer.finished.load(ordering: .acquiring)
        #expect(finished)
        indexer.stop()
    }

    static func start(_ hive: Hive) -> BinIndexer? {
        BinIndexer.start(bins: hive.bins, limit: hive.binsLimit, layout: hive.binMap.layout, owner: hive.storage)
    }

    /// A copy of SYSTEM whose bin covering the middle of the file has a broken cell chain;
    /// returns the bytes and that bin's start.
    static func systemWithABrokenBin() throws -> (bytes: [UInt8], bin: UInt32) {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path("regipy/SYSTEM"))))
        let hive = try Hive(bytes: bytes)
        let (start, _) = try #require(hive.binMap.bin(covering: (hive.binsLimit / 2) & ~0xFFF))
        let field = BaseBlock.size + Int(start) + 32  // the bin's first cell: size 3 is no size
        bytes[field] = 3; bytes[field + 1] = 0; bytes[field + 2] = 0; bytes[field + 3] = 0
        return (bytes, start)
    }

    @Test func theThreadsTablesAreTheLazyOnes() async throws {
        for name in Self.bigHives {
            let hive = try Hive(path: Corpus.path(name))
            guard let indexer = Self.start(hive) else {
                #expect(!Self.hasSecondCPU)  // one CPU: no thread, the walk indexes as it goes
                return
            }
            try await Self.waitUntilFinished(indexer)
            let published = indexer.published.load(ordering: .relaxed)
            #expect(published == hive.binsLimit, "\(name)")
            let pageCount = Int(hive.binsLimit >> 12)
            for page in 0..<pageCount { _ = hive.binMap.bin(covering: UInt32(page << 12)) }
            #expect((0..<pageCount).allSatisfy { hive.binMap.pages[$0] == indexer.pages[$0] }, "\(name)")
            #expect((0..<(pageCount << 3)).allSatisfy { hive.binMap.cellStarts[$0] == indexer.cellStarts[$0] }, "\(name)")
        }
    }

    @Test func theThreadStopsAtABrokenBinAndPublishesNothingOfIt() async throws {
        let (bytes, broken) = try Self.systemWithABrokenBin()
        let hive = try Hive(bytes: bytes)
        guard let indexer = Self.start(hive) else { #expect(!Self.hasSecondCPU); return }
        try await Self.waitUntilFinished(indexer)
        let published = indexer.published.load(ordering: .relaxed)
        #expect(published == broken)
        #expect(indexer.pages[Int(broken >> 12)] == 0)
        #expect((Int(broken >> 9)..<Int(broken >> 9) + 8).allSatisfy { indexer.cellStarts[$0] == 0 })
    }

    /// Everything a walk reports, in order.
    static func record(_ hive: Hive, parallel: Bool, salvage: Bool) -> [String] {
        var seen: [String] = []
        var options = WalkOptions(salvage: salvage)
        options.indexInParallel = parallel
        do throws(HiveError) {
            try hive.walk(from: hive.rootKey(), options: options, corrupt: { parent, depth, error in
                seen.append("cut \(parent.offset) \(depth) \(error)")
            }) { key, depth throws(HiveError) in
                var line = "\(key.offset) \(depth)"
                try hive.forEachValue(of: key) { v throws(HiveError) in
                    line += " \(v.offset):" + ((try? hive.data(of: v).count).map(String.init) ?? "error")
                }
                seen.append(line)
                return .descend
            }
        } catch {
            seen.append("error \(error)")
        }
        return seen
    }

    @Test func walksWithAndWithoutTheThreadAgree() throws {
        let (damaged, _) = try Self.systemWithABrokenBin()
        var cases: [(String, () throws -> Hive)] = Self.bigHives.map { name in (name, { try Hive(path: Corpus.path(name)) }) }
        cases.append(("SYSTEM with a broken bin", { try Hive(bytes: damaged) }))
        for (name, open) in cases {
            for salvage in [false, true] {
                let serial = Self.record(try open(), parallel: false, salvage: salvage)
                let hive = try open()
                let parallel = Self.record(hive, parallel: true, salvage: salvage)
                // The first difference, not two arrays of thousands of lines.
                let firstDifference = zip(serial, parallel).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? (serial.count == parallel.count ? nil : Swift.min(serial.count, parallel.count))
                #expect(firstDifference == nil,
                        "\(name), salvage \(salvage): line \(firstDifference ?? 0): \(firstDifference.map { serial.indices.contains($0) ? serial[$0] : "(end)" } ?? "") vs \(firstDifference.map { parallel.indices.contains($0) ? parallel[$0] : "(end)" } ?? "")")
                #expect(serial.count > 1000, "\(name)")
                if Self.hasSecondCPU, name.hasPrefix("regipy/SYSTEM") {
                    // A debug build walks far slower than the thread indexes: bins are taken from it.
                    #expect(hive.binMap.adoptedBins > 0, "\(name)")
                }
            }
        }
    }

    /// A walk that stops at once, or fails, stops the thread before it returns; the hive can be
    /// walked again and released.
    @Test func aWalkStoppedEarlyStopsTheThread() throws {
        for _ in 0..<5 {
            let hive = try Hive(path: Corpus.path("regipy/SYSTEM"))
            try hive.walk(from: hive.rootKey()) { _, _ throws(HiveError) in .stop }
            #expect(throws: HiveError.self) {
                try hive.walk(from: hive.rootKey()) { _, depth throws(HiveError) in
                    if depth == 2 { throw HiveError.notAHive(reason: "stop here") }
                    return .descend
                }
            }
            var keys = 0
            try hive.walk(from: hive.rootKey()) { _, _ throws(HiveError) in keys += 1; return .descend }
            #expect(keys == 30_756)  // regipy's count for this SYSTEM hive (INDEX.md)
        }
    }

    @Test func smallAndEditableHivesGetNoThread() throws {
        let small = try Hive(path: Corpus.path("regipy/NTUSER.DAT"))
        #expect(Self.start(small) == nil)
        #expect(!small.binMap.startIndexing(owner: small.storage))
        let editor = try HiveEditor.create(path: nil)
        #expect(!editor.hive.binMap.startIndexing(owner: editor.hive.storage))
    }
}
