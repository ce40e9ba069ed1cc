import Foundation
import TestSupport
import Testing

/// Issue 27 item 10: a daemon (or the demo) that cannot start says which path and why — and for
/// a second daemon on the same state, which process holds it — never a raw Foundation or NIO error.
@Suite struct StartupErrorTests {
    /// hivekeeperd with `arguments`, bounded (a daemon that wrongly starts is stopped at 60 s).
    static func daemon(_ arguments: [String]) throws -> ProcessResult {
        try runProgram("/usr/bin/timeout", ["60", builtProduct("hivekeeperd"), "--log-level", "error"] + arguments)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hk-start-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func aSocketPathThatIsARegularFileIsNamedAndKept() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("not-a-socket").path
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: file))
        let r = try Self.daemon(["--socket", file, "--state", dir.appendingPathComponent("state").path, "--roaming", "none"])
        #expect(r.status == 1)
        #expect(r.errText.contains("socket \(file): it is a regular file, not a socket"), "\(r.errText)")
        #expect(!r.errText.contains("UnixDomainSocketPathWrongType"), "\(r.errText)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "mine\n", "the file is left alone")
    }

    @Test func aStateThatIsARegularFileIsNamed() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("state").path
        try Data().write(to: URL(fileURLWithPath: file))
        let r = try Self.daemon(["--socket", dir.appendingPathComponent("socket").path, "--state", file, "--roaming", "none"])
        #expect(r.status == 1 && r.errText.contains("state directory \(file): it is a regular file, not a directory"), "\(r.errText)")
        let demo = try runProgram(builtProduct("hivekeeper"), ["demo", "--state", file, "--demo-identity"])
        #expect(demo.status == 1 && demo.errText.contains("--state \(file): it is a regular file, not a directory"), "\(demo.errText)")
        #expect(!demo.errText.contains("NSCocoaErrorDomain"), "\(demo.errText)")
    }

    @Test func aSecondDaemonOnTheSameStateNamesTheFirst() throws {
        let h = try DaemonHarness()
        defer { h.stop() }
        let other = h.dir.appendingPathComponent("other-socket").path
        let r = try Self.daemon(["--socket", other, "--state", h.dir.appendingPathComponent("state").path, "--roaming", "none",
                                 "--demo-identity"])
        #expect(r.status == 1)
        #expect(r.errText.contains("ERROR_SHARING_VIOLATION (32)") && r.errText.contains("pid \(h.pid)"), "\(r.errText)")
        #expect(try h.cli(["query", "HKLM"]).status == 0, "the first daemon still serves")
    }
}
