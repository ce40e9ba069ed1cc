import Foundation
@testable import HiveFormat
import Testing

/// The thread that fills a mapping's page tables beside a full walk (PageTableFill).
struct PageTableFillTests {
    static let bigHive = "regipy/SYSTEM"  // 11.8 MB: over PageTableFill.minimumLength

    /// Resident KiB of the mapping that starts at `address`, from /proc/self/smaps (read with
    /// stdio: Foundation sees procfs files as empty).
    static func residentKiB(ofMappingAt address: UnsafeRawPointer) -> Int? {
        guard let file = fopen("/proc/self/smaps", "r") else { return nil }
        defer { fclose(file) }
        let start = String(UInt(bitPattern: address), radix: 16)
        var inMapping = false
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), range.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                inMapping = range.split(separator: "-").first.map { String($0) == start } ?? false
            } else if inMapping, fields.first == "Rss:", fields.count > 1 {
                return Int(fields[1])
            }
        }
        return nil
    }

    @Test(.enabled(if: Corpus.isPresent))
    func fillsTheWholeMapping() async throws {
        let storage = try HiveStorage(mappingFileAt: Corpus.path(Self.bigHive))
        let base = try #require(storage.bytes.baseAddress)
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else {
            #expect(PageTableFill.start(storage) == nil)  // one CPU: the walk takes its own faults
            return
        }
        let before = try #require(Self.residentKiB(ofMappingAt: base))
        #expect(before < storage.bytes.count / 1024 / 2)  // mapped with MADV_RANDOM: little resident yet
        let fill = try #require(PageTableFill.start(storage))
        var resident = before
        for _ in 0..<500 where resident < storage.bytes.count / 1024 - 4 {  // at most 5 s
            try await Task.sleep(for: .milliseconds(10))
            resident = try #require(Self.residentKiB(ofMappingAt: base))
        }
        fill.stop()
        #expect(resident >= storage.bytes.count / 1024 - 4)
    }

    @Test(.enabled(if: Corpus.isPresent))
    func smallOrCopiedHivesGetNoThread() throws {
        #expect(PageTableFill.start(try HiveStorage(mappingFileAt: Corpus.path("regipy/NTUSER.DAT"))) == nil)
        #expect(PageTableFill.start(try HiveStorage(readingFileAt: Corpus.path(Self.bigHive))) == nil)
    }

    /// A walk that stops at once, or fails, stops the thread before it returns; the hive can be
    /// walked again and released.
    @Test(.enabled(if: Corpus.isPresent))
    func aWalkStoppedEarlyStopsTheThread() throws {
        for _ in 0..<5 {
            let hive = try Hive(path: Corpus.path(Self.bigHive))
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
}
