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

    /// SYSTEM_B with its real LOG1 and 12 KB of random bytes as LOG2 (which held entries
    /// 2111-2130): refused, naming LOG2, and nothing written. It used to be passed over without
    /// a word, giving a "clean" hive of 33,123 keys instead of 35,595.
    @Test func anUnreadableLogIsAnErrorNamingIt() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("SYSTEM_B").path
        try FileManager.default.copyItem(atPath: CLI.hive("regipy/SYSTEM_B"), toPath: hive)
        try FileManager.default.copyItem(atPath: CLI.hive("regipy/SYSTEM_B.LOG1"), toPath: hive + ".LOG1")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<12_288).map { _ in UInt8.random(in: 0...255, using: &generator) })
            .write(to: URL(fileURLWithPath: hive + ".LOG2"))
        let out = dir.appendingPathComponent("recovered").path
        let r = try CLI.run(["recover", "--hive", hive, "--output", out])
        #expect(r.status == 1)
        #expect(r.err.contains("\(hive).LOG2 exists but cannot be read: no regf base block"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out), "no hive was written")
        let q = try CLI.run(["query", "--hive", hive, "\\"])
        #expect(q.status == 1 && q.err.contains("\(hive).LOG2 exists but cannot be read"), "\(q.err)")
        // A partial recovery, asked for: what the others hold, LOG2 named as left out, exit 2.
        let partial = try CLI.run(["recover", "--hive", hive, "--output", out, "--partial"])
        #expect(partial.status == 2, "\(partial.err)")
        #expect(partial.err.contains("\(hive).LOG2: left out (--partial): no regf base block"), "\(partial.err)")
        #expect(partial.out.contains("partial: left out \(hive).LOG2") && partial.out.contains("33123 keys"), "\(partial.out)")
        try FileManager.default.removeItem(atPath: out)
        // The logs the user trusts, named: LOG1 alone, as asked.
        let chosen = try CLI.run(["recover", "--hive", hive, "--output", out, "--log", hive + ".LOG1"])
        #expect(chosen.status == 0, "\(chosen.err)")
        // With the real LOG2 every key is there.
        try FileManager.default.removeItem(atPath: hive + ".LOG2")
        try FileManager.default.copyItem(atPath: CLI.hive("regipy/SYSTEM_B.LOG2"), toPath: hive + ".LOG2")
        let whole = try CLI.run(["recover", "--hive", hive, "--output", out])
        #expect(whole.status == 0 && whole.out.contains("35595 keys"), "\(whole.out)")
    }

    /// A dirty hive in a directory its reader may not list (search permission only): its logs
    /// cannot be looked for, which is an error naming the directory, not "no log beside it".
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "runs the CLI as nobody"))
    func aDirectoryThatCannotBeListedIsSaid() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o755)
        let inner = dir.appendingPathComponent("hidden")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        for suffix in ["", ".LOG1", ".LOG2"] {
            let to = inner.appendingPathComponent("NewDirtyHive" + suffix).path
            try FileManager.default.copyItem(atPath: dirty + suffix, toPath: to)
            chmod(to, 0o644)
        }
        chmod(inner.path, 0o711)
        let hive = inner.appendingPathComponent("NewDirtyHive").path
        let asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary]
        let r = try runProgram("/usr/bin/setpriv", asNobody + ["query", "--hive", hive, "\\"])
        #expect(r.status == 1)
        #expect(r.errText.contains("\(inner.path): list the directory for the hive's transaction logs failed"), "\(r.errText)")
        // Named with --log, the logs need no listing.
        let named = try runProgram("/usr/bin/setpriv", asNobody + ["query", "--hive", hive, "\\", "--log", hive + ".LOG1", "--log", hive + ".LOG2"])
        #expect(named.status == 0, "\(named.errText)")
    }
}
