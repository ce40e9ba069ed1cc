import Foundation
import Testing
import TestSupport

/// contrib/systemd/hivekeeperd.service's sandbox (contrib/README.md "The sandbox"): its
/// exposure as `systemd-analyze security` scores it, and the daemon running inside it.
@Suite(.serialized) struct SystemdSandboxTests {
    static let unitFile = ContribTests.contrib.appendingPathComponent("systemd/hivekeeperd.service")
    static let analyze = "/usr/bin/systemd-analyze"

    /// CI installs systemd and sets HIVEKEEPER_REQUIRE_SYSTEMD: there a missing tool fails the
    /// test instead of skipping it.
    static var analyzeIsAvailable: Bool {
        ProcessInfo.processInfo.environment["HIVEKEEPER_REQUIRE_SYSTEMD"] != nil
            || FileManager.default.isExecutableFile(atPath: analyze)
    }

    /// The number in "→ Overall exposure level for NAME.service: 2.8 OK".
    static func exposure(in report: String) -> Double? {
        guard let line = report.split(separator: "\n").last(where: { $0.contains("Overall exposure level") }),
              let colon = line.lastIndex(of: ":")
        else { return nil }
        return line[line.index(after: colon)...].split(separator: " ").first.flatMap { Double($0) }
    }

    @Test func theExposureLineIsRead() {
        #expect(Self.exposure(in: "  NAME  DESCRIPTION\n→ Overall exposure level for x.service: 9.6 UNSAFE 😨\n") == 9.6)
        #expect(Self.exposure(in: "→ Overall exposure level for hivekeeperd.service: 2.8 OK 🙂") == 2.8)
        #expect(Self.exposure(in: "no such line") == nil)
    }

    @Test(.enabled(if: analyzeIsAvailable, "needs systemd-analyze (Debian's systemd package)"))
    func theUnitExposesAtMostThree() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.analyze), "apt-get install systemd")
        let r = try runProgram(Self.analyze, ["security", "--offline=true", "--no-pager", Self.unitFile.path])
        let score = try #require(Self.exposure(in: r.outText + r.errText), "\(r.errText)\(r.outText)")
        #expect(score <= 3.0, "systemd-analyze security scores the unit \(score):\n\(r.outText)")
    }

    // MARK: The daemon in the sandbox

    /// systemd runs this machine (PID 1): units can be started. Not in containers and CI
    /// runners without it, where the test is skipped.
    static var systemdIsInit: Bool {
        getuid() == 0 && (try? String(contentsOfFile: "/proc/1/comm", encoding: .utf8))?.hasPrefix("systemd") == true
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/systemctl")
    }

    /// The unit as shipped, renamed so it cannot meet an installed hivekeeperd: its own state
    /// and run directories, this build's daemon.
    static func unit(named name: String) throws -> String {
        let daemon = builtProduct("hivekeeperd")
        let config = ContribTests.contrib.appendingPathComponent("systemd/hivekeeperd.conf").path
        return try String(contentsOf: unitFile, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/hivekeeperd --config /etc/hivekeeper/hivekeeperd.conf",
                                  with: "\(daemon) --config \(config) --state /var/lib/\(name) --socket /run/\(name)/socket --roaming /var/lib/\(name)/roaming")
            .replacingOccurrences(of: "/var/lib/hivekeeper", with: "/var/lib/\(name)")
            .replacingOccurrences(of: "/run/hivekeeper", with: "/run/\(name)")
            .replacingOccurrences(of: "Directory=hivekeeper", with: "Directory=\(name)")
    }

    @Test func theTestUnitKeepsEverySandboxLine() throws {
        let shipped = try String(contentsOf: Self.unitFile, encoding: .utf8).split(separator: "\n")
        let renamed = try Self.unit(named: "hk-sandbox-test").split(separator: "\n")
        #expect(shipped.count == renamed.count)
        #expect(renamed.contains("StateDirectory=hk-sandbox-test"))
        #expect(renamed.contains { $0.contains("--state /var/lib/hk-sandbox-test --socket /run/hk-sandbox-test/socket") })
        #expect(renamed.contains("RuntimeDirectory=hk-sandbox-test"))
        for line in shipped where line.hasPrefix("Protect") || line.hasPrefix("Capability") || line.hasPrefix("SystemCall") {
            #expect(renamed.contains(line))
        }
    }

    /// A real logon and logoff (a Linux user's profile made, loaded, unloaded: setfsuid,
    /// chown, signals) and registry calls, with the daemon started by systemd in the sandbox.
    @Test(.enabled(if: systemdIsInit, "needs systemd as PID 1 and root (it starts the unit)"), .timeLimit(.minutes(2)))
    func theDaemonWorksInsideTheSandbox() throws {
        let name = "hk-sandbox-\(getpid())"
        let unitPath = "/run/systemd/system/\(name).service"
        try Self.unit(named: name).write(toFile: unitPath, atomically: true, encoding: .utf8)
        let systemctl = "/usr/bin/systemctl"
        defer {
            _ = try? runProgram(systemctl, ["stop", name])
            try? FileManager.default.removeItem(atPath: unitPath)
            _ = try? runProgram(systemctl, ["daemon-reload"])
            try? FileManager.default.removeItem(atPath: "/var/lib/\(name)")
        }
        #expect(try runProgram(systemctl, ["daemon-reload"]).status == 0)
        let start = try runProgram(systemctl, ["start", name])
        #expect(start.status == 0, "\(start.errText)")
        let socket = "/run/\(name)/socket"
        var up = false
        for _ in 0..<300 where !up {
            up = FileManager.default.fileExists(atPath: socket)
            if !up { usleep(100_000) }
        }
        let journal = { (try? runProgram("/usr/bin/journalctl", ["-u", name, "--no-pager", "-n", "40"]).outText) ?? "" }
        try #require(up, "the daemon did not make its socket: \(journal())")

        func cli(_ args: [String]) throws -> ProcessResult {
            try runProgram(builtProduct("hivekeeper"), args + ["--socket", socket])
        }
        let add = try cli(["add", "HKLM\\SOFTWARE\\Sandbox", "/v", "x", "/t", "REG_DWORD", "/d", "7"])
        #expect(add.status == 0, "\(add.errText)")
        #expect(try cli(["query", "HKLM\\SOFTWARE\\Sandbox", "/v", "x"]).outText.contains("0x7"))

        let user = "hksb\(getpid() % 100_000)"
        #expect(try runProgram("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user]).status == 0)
        defer { _ = try? runProgram("/usr/sbin/userdel", [user]) }
        let logon = try cli(["session", "logon", user])
        #expect(logon.status == 0, "\(logon.errText) \(journal())")
        let session = logon.outText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try cli(["session", "list"]).outText.contains("\t\(user)\t"))
        let logoff = try cli(["session", "logoff", session])
        #expect(logoff.status == 0, "\(logoff.errText) \(journal())")
        let active = try runProgram(systemctl, ["is-active", name]).outText
        #expect(active.hasPrefix("active"), "the daemon stopped in the sandbox: \(journal())")
    }
}
