import Foundation
import TestSupport
import Testing

/// The command line's contract: an option's value is the next token whatever it looks like (as
/// reg.exe takes it), a single-valued option is given once, and the exit status is 0, 1 or 2.
struct ArgumentCLITests {
    @Test func dataThatStartsWithADash() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("t.dat").path
        for args in [["/v", "Args", "/d", "-minimized"], ["/v", "Eq", "/d=-minimized"], ["/v", "Long", "--data", "-minimized"],
                     ["/v", "-dash", "/d", "--x"],
                     ["/v", "M", "/t", "REG_MULTI_SZ", "/s", "-", "/d", "a-b"]] {
            let r = try CLI.run(["add", "--hive", hive, "Software\\X"] + args)
            #expect(r.status == 0, "\(args): \(r.err)")
        }
        let q = try CLI.run(["query", "--hive", hive, "Software\\X"])
        for line in ["    Args    REG_SZ    -minimized", "    Eq    REG_SZ    -minimized", "    Long    REG_SZ    -minimized",
                     "    -dash    REG_SZ    --x", "    M    REG_MULTI_SZ    a\\0b"] {
            #expect(q.out.contains(line + "\n"), "\(line)\n\(q.out)")
        }
        #expect(try CLI.run(["query", "--hive", hive, "Software\\X", "/v", "-dash"]).out.contains("--x"))
        // The data reaches its parser: a negative REG_DWORD is refused there, as reg.exe does.
        let negative = try CLI.run(["add", "--hive", hive, "Software\\X", "/v", "N", "/t", "REG_DWORD", "/d", "-1"])
        #expect(negative.status == 1 && negative.err.contains("Invalid number -1"), "\(negative.err)")
        // `--` still ends the options: after it nothing is a value, and /d has none.
        let ended = try CLI.run(["add", "--hive", hive, "Software\\X", "/v", "Z", "/d", "--"])
        #expect(ended.status == 1 && ended.err.contains("Missing value"), "\(ended.err)")
    }

    @Test func aSingleValuedOptionGivenTwiceIsAnError() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("t.dat").path
        let twice = try CLI.run(["add", "--hive", hive, "Software\\X", "/v", "A", "/d", "1", "/v", "B", "/d", "2"])
        #expect(twice.status == 1)
        #expect(twice.err.contains("--value (/v) is given more than once"), "\(twice.err)")
        #expect(!FileManager.default.fileExists(atPath: hive), "nothing was written")
        #expect(try CLI.run(["add", "--hive", hive, "A", "/v", "x", "/d", "1"]).status == 0)
        #expect(try CLI.run(["add", "--hive", hive, "B", "/v", "x", "/d", "2"]).status == 0)
        let compare = try CLI.run(["compare", "--hive", hive, "A", "--hive", hive, "B", "/s"])
        #expect(compare.status == 1)
        #expect(compare.err.contains("--hive is given more than once") && compare.err.contains("--hive2"), "\(compare.err)")
        #expect(try CLI.run(["compare", "--hive", hive, "A", "--hive2", hive, "B", "/s"]).status == 2, "they differ")
        // A flag twice says the same thing twice: allowed. A repeatable option repeats.
        #expect(try CLI.run(["add", "--hive", hive, "A", "/v", "x", "/d", "3", "/f", "/f"]).status == 0)
    }

    @Test(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
    func aRepeatableOptionRepeats() throws {
        let dirty = CLI.hive("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive")
        let r = try CLI.run(["query", "--hive", dirty, "\\", "--log", dirty + ".LOG1", "--log", dirty + ".LOG2"])
        #expect(r.status == 0 && r.err.contains("applied 4 log entries"), "\(r.err)")
    }

    /// The README's statuses: 0, 1, 2. A usage error is a failure (1), not ArgumentParser's 64.
    @Test func usageErrorsExitOne() throws {
        for args in [["add"], ["add", "--bogus", "K"], ["query", "--hive"], ["nosuchcommand"], ["add", "K", "/d=x", "/zz"],
                     ["demo", "--policy", "nope"]] {
            let r = try CLI.run(args)
            #expect(r.status == 1, "\(args): \(r.status) \(r.err)")
            #expect(!r.err.isEmpty, "\(args) says why")
        }
        #expect(try CLI.run(["--help"]).status == 0)
        #expect(try CLI.run(["add", "--help"]).status == 0)
    }
}
