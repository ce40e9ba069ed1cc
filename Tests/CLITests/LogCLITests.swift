import Foundation
import TestSupport
import Testing

/// Dirty hives from the command line: logs applied in memory, `info`'s log lines, `recover`.
@Suite(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
struct LogCLITests {
    let dirty = CLI.hive("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive")

    @Test func queryAppliesLogsAndSaysSo() throws {
        let r = try CLI.run(["query", "--hive", dirty, "\\"])
        #expect(r.status == 0)
        #expect(r.err.contains("is dirty: applied 4 log entries"))
        #expect(r.err.contains("the files are not modified"))
        #expect(r.out.contains("\\Key3\n"))
        #expect(!r.out.contains("\\Key1\n"))
        let raw = try CLI.run(["query", "--hive", dirty, "\\", "--no-logs"])
        #expect(raw.status == 0)
        #expect(raw.out.contains("\\Key1\n"))
        #expect(raw.err.contains("the hive is dirty"))
        let both = try CLI.run(["query", "--hive", dirty, "\\", "--no-logs", "--log", dirty + ".LOG1"])
        #expect(both.status != 0)
        #expect(both.err.contains("--no-logs"))
    }

    @Test func infoShowsLogsAndSequenceRanges() throws {
        let r = try CLI.run(["info", "--hive", dirty])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.contains("sequence: primary 3, secondary 2"))
        #expect(lines.contains { $0.hasPrefix("state: dirty") })
        #expect(lines.contains("log: \(dirty).LOG1: new format (HvLE), 1 entry, sequence 2-2"))
        #expect(lines.contains("log: \(dirty).LOG2: new format (HvLE), 3 entries, sequence 3-5"))
        #expect(lines.contains("logs: applied in memory: 4 entries, 4 pages, sequence 2-5"))
        #expect(lines.contains("recovered-sequence: 5"))
        let bad = try CLI.run(["info", "--hive", CLI.hive("yarp/hives_for_tests/BadLogHive1/BadLogHive")])
        #expect(bad.status == 1)
        #expect(bad.err.contains("BadLogHive.LOG1: the base-block copy's checksum"))
        #expect(bad.err.contains("--no-logs reads the primary file as it is"))
        let clean = try CLI.run(["info", "--hive", CLI.hive("dfirartifactmuseum/Windows/Amcache/Win2012R2/StolenSzechuan/Amcache.hve")])
        #expect(clean.out.contains("logs: not needed (the primary is clean)"))
        #expect(clean.out.contains("Amcache.hve.LOG2: new format (HvLE), 1 entry, sequence 17-17"))
    }

    @Test func recoverWritesACleanHive() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("recovered").path
        let r = try CLI.run(["recover", "--hive", dirty, "--output", out])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("recovered: 4 log entries, 4 pages, sequence 5"))
        let windows = try Data(contentsOf: URL(fileURLWithPath: CLI.hive("yarp/hives_for_tests/NewDirtyHive1/RecoveredHive_Windows10")))
        let ours = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(ours.dropFirst(4096) == windows.dropFirst(4096))
        let info = try CLI.run(["info", "--hive", out])
        #expect(info.out.contains("state: clean"))
        #expect(info.out.contains("sequence: primary 5, secondary 5"))

        // Its inputs are never the output.
        let copy = dir.appendingPathComponent("h").path
        try FileManager.default.copyItem(atPath: dirty, toPath: copy)
        try FileManager.default.copyItem(atPath: dirty + ".LOG1", toPath: copy + ".LOG1")
        let same = try CLI.run(["recover", "--hive", copy, "--output", copy])
        #expect(same.status == 1)
        #expect(same.err.contains("never overwrites its inputs"))
        let log = try CLI.run(["recover", "--hive", copy, "--output", copy + ".LOG1"])
        #expect(log.status == 1)

        // A dirty hive with no log cannot be recovered.
        let none = try CLI.run(["recover", "--hive", CLI.hive("regipy/SYSTEM_WIN_10_1709"), "--output", out])
        #expect(none.status == 1)
        #expect(none.err.contains("no transaction log was found"))
    }
}
