import Foundation
import TestSupport
import Testing

/// Issue 27's rough edges on the daemon's side: a name that maps to no account is said, a
/// service account that is no Linux user is warned about at start, tables have a header row on
/// a terminal (and none in a pipe, where scripts read them).
@Suite struct RoughEdgeDaemonTests {
    /// (A demo-identity daemon makes an account of any usable name: a real-users one, as root.)
    @Test(.enabled(if: getuid() == 0, "a real-users daemon: root"))
    func anUnknownUserIsNamedWithNoneMapped() throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let missing = "hk-no-such-\(UInt32.random(in: 0..<0xFFFF))"
        for args in [["session", "logon", missing], ["handles", "--user", missing]] {
            let r = try h.cli(args, as: nil)
            #expect(r.status == 1 && r.errText.contains("ERROR_NONE_MAPPED (1332)") && r.errText.contains("no account is named \(missing)"),
                    "\(args): \(r.errText)")
        }
    }

    @Test(.enabled(if: getuid() == 0, "a real-users daemon: root"))
    func aServiceAccountThatIsNoLinuxUserIsWarnedAbout() throws {
        let missing = "hk-no-such-\(UInt32.random(in: 0..<0xFFFF))"
        let h = try DaemonHarness(demo: false, extra: ["--service-account", missing])
        let log = h.stopAndReadLog()
        h.stop()
        #expect(log.contains("service account \(missing) is no Linux user"), "\(log)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func tablesHaveAHeaderOnATerminalOnly() throws {
        let h = try DaemonHarness()
        defer { h.stop() }
        #expect(try h.cli(["session", "logon", "alice"]).status == 0)
        let piped = try h.cli(["session", "list"]).outText
        #expect(piped.hasPrefix("1\talice\t"), "\(piped)")
        // script(1) gives the command a terminal for its standard output.
        let command = [builtProduct("hivekeeper"), "session", "list", "--socket", h.socket, "--as", "SYSTEM"].joined(separator: " ")
        let onTerminal = try runProgram("/usr/bin/script", ["-qec", command, "/dev/null"]).outText
        #expect(onTerminal.hasPrefix("SESSION\tUSER\tSID\tPROCESSES"), "\(onTerminal)")
    }
}
