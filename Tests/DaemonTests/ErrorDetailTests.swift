import Foundation
import TestSupport
import Testing

/// Issue 27 item 7: a live load or restore of a file that is not a usable hive says which file
/// and why (offset, rule), to the client and in the daemon's log — not only ERROR_REGISTRY_CORRUPT.
@Suite(.serialized, .enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
struct ErrorDetailTests {
    @Test func aLoadOrRestoreOfABadFileNamesItAndWhy() throws {
        let h = try DaemonHarness(logLevel: "notice")
        var stopped = false
        defer { if !stopped { h.stop() } }
        let good = try Data(contentsOf: URL(fileURLWithPath: SharedCorpus.path("nt-hive/testdata/testhive")))
        let truncated = h.dir.appendingPathComponent("truncated.hive").path
        try good.prefix(6000).write(to: URL(fileURLWithPath: truncated))
        let random = h.dir.appendingPathComponent("random.hive").path
        try Data((0..<8192).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: random))
        let directory = h.dir.appendingPathComponent("a-directory").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in [truncated, random, directory] {
            let load = try h.cli(["load", "HKLM\\X", file])
            #expect(load.status == 1, "\(file)")
            #expect(load.errText.contains("): \(file): "), "load of \(file): \(load.errText)")
        }
        #expect(try h.cli(["add", "HKLM\\SOFTWARE\\R", "/v", "v", "/d", "x"]).status == 0)
        let restore = try h.cli(["restore", "HKLM\\SOFTWARE\\R", truncated])
        #expect(restore.status == 1 && restore.errText.contains("): \(truncated): "), "\(restore.errText)")
        let log = h.stopAndReadLog()
        stopped = true
        h.stop()
        for file in [truncated, random, directory] {
            #expect(log.contains(file), "the daemon's log names \(file): \(log)")
        }
    }
}
