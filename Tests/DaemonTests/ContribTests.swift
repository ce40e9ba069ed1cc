import Foundation
import RegistryServer
import Testing
import TestSupport

/// contrib/ (docs/install.md): the PAM session hook run as pam_exec runs it, the sample
/// configuration, the systemd unit.
@Suite(.serialized) struct ContribTests {
    static let contrib = SharedCorpus.projectRoot.appendingPathComponent("contrib")

    /// Runs the hook as pam_exec does: as root, the PAM items in the environment, the options
    /// from the PAM line as arguments, this process as the one opening and closing the session.
    func pamExec(_ type: String, user: String, _ options: [String]) throws -> (status: Int32, errText: String) {
        let p = Process()
        p.executableURL = Self.contrib.appendingPathComponent("pam/hivekeeper-session")
        p.arguments = options
        p.environment = ["PAM_TYPE": type, "PAM_USER": user, "PAM_SERVICE": "sshd", "PAM_TTY": "ssh",
                         "PAM_RHOST": "127.0.0.1", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: errData, as: UTF8.self))
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd"), "needs root (a real Linux user)"))
    func thePAMHookLogsTheUserOnAndOff() throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let user = "hkp\(getpid() % 100_000)"
        #expect(try runProgram("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user]).status == 0)
        defer { _ = try? runProgram("/usr/sbin/userdel", [user]) }
        let records = h.dir.appendingPathComponent("pam")
        let options = ["--socket", h.socket, "--hivekeeper", builtProduct("hivekeeper"), "--records", records.path]

        let open = try pamExec("open_session", user: user, options)
        #expect(open.status == 0, "\(open.errText)")
        let list = try h.cli(["session", "list"], as: nil).outText
        #expect(list.contains("\t\(user)\t"), "\(list)")
        let uid = try #require(getpwnam(user)).pointee.pw_uid
        #expect(FileManager.default.fileExists(atPath: records.appendingPathComponent("\(uid).\(getpid())").path))

        // A system account (uid below 1000) is left alone, and so is an unknown user.
        #expect(try pamExec("open_session", user: "daemon", options).status == 0)
        #expect(try pamExec("open_session", user: "no-such-user-hk", options).status == 0)
        #expect(try h.cli(["session", "list"], as: nil).outText.split(separator: "\n").count == 1)

        let close = try pamExec("close_session", user: user, options)
        #expect(close.status == 0, "\(close.errText)")
        // The logoff goes on in the background: its end is event 4.
        var ended = false
        for _ in 0..<250 {
            ended = try h.events(as: nil).contains { $0["id"] as? Int == 4 && $0["user"] as? String == user }
            if ended { break }
            usleep(40_000)
        }
        #expect(ended, "the logoff ran")
        #expect(try h.cli(["session", "list"], as: nil).outText.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: records.appendingPathComponent("\(uid).\(getpid())").path))
        // Closing again (no record) is nothing.
        #expect(try pamExec("close_session", user: user, options).status == 0)
    }

    @Test func theSampleConfigurationIsValid() throws {
        let c = try DaemonConfiguration.load(file: Self.contrib.appendingPathComponent("systemd/hivekeeperd.conf").path)
        #expect(c.socketPath == "/run/hivekeeper/socket")
        #expect(c.stateDirectory == "/var/lib/hivekeeper")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
    func theSystemdUnitVerifies() throws {
        // The unit as installed, but pointing at this build's daemon.
        let unit = try String(contentsOf: Self.contrib.appendingPathComponent("systemd/hivekeeperd.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/hivekeeperd", with: builtProduct("hivekeeperd"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("hivekeeperd.service")
        try unit.write(to: file, atomically: true, encoding: .utf8)
        let r = try runProgram("/usr/bin/systemd-analyze", ["verify", file.path])
        #expect(r.status == 0, "\(r.errText)\(r.outText)")
    }
}
