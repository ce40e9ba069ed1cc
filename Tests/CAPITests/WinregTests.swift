import Foundation
import Testing
import TestSupport

/// winreg.h through a real hivekeeperd: C programs (Tests/CAPITests/C/winreg_*.c) compiled
/// against the installed library, each printing "ok" when every CHECK held.
@Suite struct WinregTests {
    /// Compiles `source` and runs it against a fresh daemon; its failures, line by line.
    struct Run: Sendable {
        var status: Int32
        var out: String
        var err: String
    }

    static func runAgainstDaemon(_ source: String, arguments: [String] = [], environment: [String] = []) async throws -> Run {
        let program = try CLibrary.compile([source], flags: ["-std=c11"], output: (source as NSString).deletingPathExtension)
        return try await onOwnThread {
            let daemon = try LiveDaemon()
            defer { daemon.stop() }
            let r = try daemon.run(program.path, arguments, environment: environment)
            return Run(status: r.status, out: r.outText, err: r.errText)
        }
    }

    static func expectPasses(_ source: String) async throws {
        let run = try await runAgainstDaemon(source)
        #expect(run.status == 0 && run.out == "ok\n", "\(source):\n\(run.err)\(run.out)")
    }

    @Test func valuesFollowWindowsBufferRules() async throws { try await Self.expectPasses("winreg_values.c") }

    @Test func getValueRestrictsExpandsAndZeroes() async throws { try await Self.expectPasses("winreg_get_value.c") }

    @Test func keysOpenCreateCloseAndDeleteAsOnWindows() async throws { try await Self.expectPasses("winreg_keys.c") }

    @Test func enumerationAndKeyInfoFollowWindowsBufferRules() async throws { try await Self.expectPasses("winreg_enum.c") }

    @Test func hivesCopiesRenamesAndTheRest() async throws { try await Self.expectPasses("winreg_hives.c") }

    /// 16 threads × create/set/query/enumerate/delete on private and shared keys, then a
    /// consistency check.
    @Test func sixteenThreadsShareOneConnection() async throws { try await Self.expectPasses("winreg_stress.c") }

    /// A forked child's inherited HKEYs are ERROR_INVALID_HANDLE; it connects on its own and the
    /// parent's connection goes on.
    @Test func aForkedChildConnectsAfresh() async throws { try await Self.expectPasses("winreg_fork.c") }

    /// The value functions under valgrind: no invalid access, no definite leak (the Swift
    /// runtime's caches are "possibly lost" by design and not counted).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind")))
    func noMemoryErrorsUnderValgrind() async throws {
        let program = try CLibrary.compile(["winreg_values.c"], flags: ["-std=c11"], output: "winreg_values")
        let run = try await onOwnThread {
            let daemon = try LiveDaemon()
            defer { daemon.stop() }
            let r = try daemon.run("/usr/bin/valgrind", ["-q", "--error-exitcode=9", "--leak-check=full",
                                                         "--errors-for-leak-kinds=definite", program.path])
            return Run(status: r.status, out: r.outText, err: r.errText)
        }
        #expect(run.status == 0 && run.out == "ok\n", "\(run.err)")
    }

    /// RegNotifyChangeKeyValue: an eventfd for the event, and the synchronous form.
    @Test func changeNotificationsSetAnEventfd() async throws { try await Self.expectPasses("winreg_notify.c") }

    @Test func keySecurityGetsAndSetsTheNamedParts() async throws { try await Self.expectPasses("winreg_security.c") }

    /// A program killed with keys and an application hive open: the daemon closes them all.
    @Test func aKilledProgramsHandlesClose() async throws {
        let program = try CLibrary.compile(["winreg_killed.c"], flags: ["-std=c11"], output: "winreg_killed")
        let (status, left) = try await onOwnThread { () throws -> (Int32, String) in
            let daemon = try LiveDaemon()
            defer { daemon.stop() }
            let hive = daemon.directory.appendingPathComponent("app.hiv").path
            let run = try daemon.run(program.path, [hive])
            // The daemon closes them when it sees the connection end: asked until it has.
            var answer = ""
            for _ in 0..<200 {
                answer = try runProgram(builtProduct("hivekeeper"), ["handles", "--socket", daemon.socket]).outText
                if answer.hasPrefix("No references") { break }
                usleep(50_000)
            }
            return (run.status, answer)
        }
        #expect(status == SIGKILL, "killed")
        #expect(left.hasPrefix("No references"), "\(left)")
    }

    /// docs/c-api.md's example, as printed there.
    @Test func theDocumentedExampleRuns() async throws {
        let run = try await Self.runAgainstDaemon("winreg_example.c")
        #expect(run.status == 0 && run.out == "0 42\n", "\(run.err)\(run.out)")
        let doc = try String(contentsOf: SharedCorpus.projectRoot.appendingPathComponent("docs/c-api.md"), encoding: .utf8)
        let source = try String(contentsOfFile: CLibrary.source("winreg_example.c"), encoding: .utf8)
        #expect(doc.contains(source), "docs/c-api.md shows Tests/CAPITests/C/winreg_example.c as it is")
    }

    /// Without a daemon (and with autostart off) every call fails with RPC_S_SERVER_UNAVAILABLE.
    @Test func noDaemonIsAClearError() async throws {
        let program = try CLibrary.compile(["winreg_example.c"], flags: ["-std=c11"], output: "winreg_example")
        let run = try runProgram("/usr/bin/env", ["HIVEKEEPER_SOCKET=/nonexistent/socket", "HIVEKEEPER_NO_AUTOSTART=1", program.path])
        #expect(run.status == 1 && run.errText == "RegCreateKeyExW: 1722\n", "\(run.errText)")
    }
}
