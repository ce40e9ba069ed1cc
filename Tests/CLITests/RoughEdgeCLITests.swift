import Foundation
import TestSupport
import Testing

/// Issue 27's rough edges a new user meets: reg.exe's habits (QUERY, /?, /ve on a key without a
/// default value), --version, English plurals.
@Suite(.enabled(if: CLI.corpusPresent, "needs ../shared/hives"))
struct RoughEdgeCLITests {
    let testhive = CLI.hive("nt-hive/testdata/testhive")

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
