import Foundation
import TestSupport
import Testing

/// Issue 27's rough edges a new user meets: reg.exe's habits (QUERY, /?, /ve on a key without a
/// default value), --version, English plurals.
@Suite(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
struct RoughEdgeCLITests {
    let testhive = CLI.hive("nt-hive/testdata/testhive")

    /// `add --hive f 'HKLM\Software\X'` used to create a key named HKLM in the file without a word.
    @Test func aLiveRootInAHivePathIsExplained() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hive = dir.appendingPathComponent("t.dat").path
        let r = try CLI.run(["add", "--hive", hive, "HKLM\\Software\\X", "/v", "a", "/d", "1"])
        #expect(r.status == 1)
        #expect(r.err.contains("relative to the hive's root (Software\\X, say)"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: hive), "the refused add created the hive")
        #expect(try CLI.run(["add", "--hive", hive, "Software\\X", "/v", "a", "/d", "1"]).status == 0)
        let copy = try CLI.run(["copy", "--hive", hive, "Software\\X", "HKEY_CURRENT_USER\\Y", "/f"])
        #expect(copy.status == 1 && copy.err.contains("HKEY_CURRENT_USER names the live registry"), "\(copy.err)")
        // A hive that really has a top-level key of that name is edited as asked.
        let odd = dir.appendingPathComponent("odd.dat").path
        let made = try CLI.run(["import", try Self.regFile(dir, "[HKEY_LOCAL_MACHINE\\OFFLINE\\HKCU]"), "--hive", odd])
        #expect(made.status == 0, "\(made.err)")
        #expect(try CLI.run(["add", "--hive", odd, "HKCU\\Z", "/f"]).status == 0)
    }

    static func regFile(_ dir: URL, _ lines: String...) throws -> String {
        let path = dir.appendingPathComponent("in.reg").path
        try Data((["Windows Registry Editor Version 5.00", ""] + lines).joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func subcommandsMatchCaseInsensitivelyAsRegExe() throws {
        let upper = try CLI.run(["QUERY", "--hive", testhive, "\\"])
        let lower = try CLI.run(["query", "--hive", testhive, "\\"])
        #expect(upper.status == 0 && upper.out == lower.out, "\(upper.err)")
        #expect(try CLI.run(["Info", "--hive", testhive]).status == 0)
    }

    @Test func slashQuestionMarkIsHelp() throws {
        let r = try CLI.run(["query", "/?"])
        #expect(r.status == 0 && r.out.contains("OVERVIEW: Show a key's values and subkeys"), "\(r.out)\(r.err)")
    }

    @Test func versionIsSaid() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0 && r.out.hasPrefix("hivekeeper ") && r.out.contains("wire protocol"), "\(r.out)\(r.err)")
        let d = try runProgram(builtProduct("hivekeeperd"), ["--version"])
        #expect(d.status == 0 && d.outText.hasPrefix("hivekeeperd "), "\(d.outText)\(d.errText)")
    }

    @Test func defaultValueNotSetIsRegExesLine() throws {
        let r = try CLI.run(["query", "--hive", testhive, "\\", "/ve"])
        #expect(r.status == 0 && r.out == "\n\\\n    (Default)    REG_SZ    (value not set)\n\n", "\(r.out)\(r.err)")
        let named = try CLI.run(["query", "--hive", testhive, "\\", "/v", "no such value"])
        #expect(named.status == 1, "a named value that is missing is still an error")
    }

    @Test func oneProblemIsSingular() throws {
        let r = try CLI.run(["check", "--hive", CLI.hive("yarp/hives_for_tests/GarbageHive"), "--no-logs"])
        #expect(r.status == 1 && r.out.hasSuffix("unsound: 1 problem\n"), "\(r.out)")
        let two = try CLI.run(["check", "--hive", CLI.hive("yarp/hives_for_tests/BadListHive"), "--no-logs"])
        #expect(two.out.hasSuffix("unsound: 2 problems\n"), "\(two.out)")
    }
}
