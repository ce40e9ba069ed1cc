import Foundation
import FuzzHarness
import RegText
import Testing
import TestSupport

/// The fuzz targets' harnesses in the normal build (no libFuzzer, no sanitizer): the hive
/// target's input layout, and every target run over the seeds it makes, so the harness and
/// the seed generators stay working between fuzzing runs.
struct FuzzHarnessTests {
    @Test func aHiveInputSplitsIntoThePrimaryAndItsLogs() {
        let primary: [UInt8] = Array("regf primary".utf8), log1: [UInt8] = [1, 2, 3], log2: [UInt8] = []
        let joined = HiveFuzz.join(primary, logs: [log1, log2])
        let parts = joined.withUnsafeBytes { HiveFuzz.split($0).map { Array($0) } }
        #expect(parts == [primary, log1, log2])
        // A third separator stays inside the second log: at most two logs.
        let extra = HiveFuzz.join(primary, logs: [log1, [9], [8]])
        #expect(extra.withUnsafeBytes { HiveFuzz.split($0).map { Array($0) } } == [primary, log1, [9] + HiveFuzz.separator + [8]])
        // A separator cut short is data.
        let partial = primary + HiveFuzz.separator.dropLast()
        #expect(partial.withUnsafeBytes { HiveFuzz.split($0).map { Array($0) } } == [partial])
        #expect([UInt8]().withUnsafeBytes { HiveFuzz.split($0).count } == 1)
    }

    static func seeds(_ make: (String, String?) throws -> Int, corpus: String?) throws -> [[UInt8]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-seeds-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let count = try make(dir.path, corpus)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.count == count)
        return try files.map { try [UInt8](Data(contentsOf: dir.appendingPathComponent($0))) }
    }

    @Test(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
    func theHiveSeedsAreSmallHivesAndLogSets() throws {
        let seeds = try Self.seeds(HiveSeeds.make, corpus: SharedCorpus.hives.path)
        #expect(seeds.count > 50)
        #expect(seeds.allSatisfy { $0.count <= HiveSeeds.cap + 2 * HiveFuzz.separator.count })
        let withLogs = seeds.filter { $0.withUnsafeBytes { HiveFuzz.split($0).count } > 1 }
        #expect(withLogs.count >= 5, "dirty hives with their logs")
        for seed in seeds { seed.withUnsafeBytes { HiveFuzz.run($0) } }
    }

    @Test(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
    func theRegFileSeedsParse() throws {
        let seeds = try Self.seeds(RegFileSeeds.make, corpus: SharedCorpus.hives.path)
        #expect(seeds.count > 10)
        for seed in seeds {
            // Hand-written or exported by the writer: every one is a valid file.
            _ = try RegFileParser.parse(seed)
            seed.withUnsafeBytes { RegFileFuzz.run($0) }
        }
    }

    @Test func theWireSeedsAreSessions() throws {
        let seeds = try Self.seeds(WireSeeds.make, corpus: nil)
        #expect(seeds.count > 30)
        for seed in seeds { seed.withUnsafeBytes { WireFuzz.run($0) } }
    }
}
