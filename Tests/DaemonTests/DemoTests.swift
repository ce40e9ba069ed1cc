import Foundation
import HiveFormat
import Testing
import TestSupport

/// `hivekeeper demo`, the README's first command: a private daemon and real processes, checked
/// through `--json`. In demo-identity mode always; with real temporary Linux users when root.
@Suite(.serialized) struct DemoTests {
    static func demo(_ arguments: [String]) throws -> (status: Int32, object: [String: Any], err: String) {
        let r = try runProgram(builtProduct("hivekeeper"), ["demo", "--json"] + arguments)
        let object = (try? JSONSerialization.jsonObject(with: r.out) as? [String: Any]) ?? [:]
        return (r.status, object, r.errText)
    }

    /// The seed's story, as the in-process SeedTests tell it, seen from outside: the service's
    /// call after the logoff fails with ERROR_KEY_DELETED, the leak report names it and why, the
    /// unload waited the grace period, the program got SIGTERM, the setting roamed.
    func checkForced(_ o: [String: Any], grace: Double) throws {
        #expect(o["unload"] as? String == "forced")
        let service = try #require(o["service"] as? [String: Any])
        #expect(service["errorAfterLogoff"] as? Int == 1018)
        let servicePid = try #require(service["pid"] as? Int)
        let sid = try #require(o["sid"] as? String)
        let leaks = try #require(o["leaks"] as? [[String: Any]])
        #expect(leaks.count == 1)
        let leak = try #require(leaks.first)
        #expect(leak["pid"] as? Int == servicePid)
        #expect(leak["key"] as? String == "\\REGISTRY\\USER\\\(sid)")
        #expect(leak["kind"] as? String == "predefinedCache")
        #expect((leak["origin"] as? String)?.hasPrefix("HKCU cache bound while impersonating \(sid) at ") == true, "\(leak)")
        // The notice came at the start of the logoff, the unload after the grace period.
        let noticeAt = try #require(service["noticeAt"] as? Double)
        let toUnload = try #require(o["secondsToUnload"] as? Double)
        #expect(noticeAt < grace && toUnload >= grace * 0.95 && toUnload < grace + 5, "notice \(noticeAt), unload \(toUnload)")
        let program = try #require(o["program"] as? [String: Any])
        #expect(program["signal"] as? Int == Int(SIGTERM))
        // The roaming copy had her value (read by the demo before it removed its directory;
        // theDemoKeepsItsFilesWhenAsked reads one itself).
        #expect((o["roamingCopy"] as? String)?.hasSuffix(".V6/NTUSER.DAT") == true)
        #expect(o["uploaded"] as? Bool == true && o["roamingValue"] as? String == "blue")
        let whats = (o["timeline"] as? [[String: Any]] ?? []).compactMap { $0["what"] as? String }
        let order = ["event 3:", "event 1530:", "event 9002:", "event 9530:", "event 9003:", "event 7:", "event 4:"]
        let seen = whats.compactMap { w in order.first { w.hasPrefix($0) } }
        #expect(seen == order, "\(whats)")
    }

    @Test func theDemoInDemoIdentityMode() throws {
        let grace = 1.0
        let r = try Self.demo(["--grace", String(grace), "--demo-identity"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.object["mode"] as? String == "demo-identity")
        try checkForced(r.object, grace: grace)
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func theDemoWithRealTemporaryUsers() throws {
        let grace = 1.0
        let r = try Self.demo(["--grace", String(grace)])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.object["mode"] as? String == "real-users")
        try checkForced(r.object, grace: grace)
        // The users were Linux users, and are gone.
        let user = try #require(r.object["user"] as? String)
        #expect(user.hasPrefix("hk-alice-"))
        #expect(getpwnam(user) == nil, "the temporary user was removed")
    }

    /// A demo stopped in its grace period by ^C, `kill` or a closed terminal removes its temporary
    /// users (from /etc/passwd itself), its processes and its directory, then ends by the signal.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")),
          arguments: [SIGINT, SIGTERM, SIGHUP])
    func anInterruptedDemoRemovesItsUsers(_ sig: Int32) throws {
        let demo = try Actor(builtProduct("hivekeeper"), ["demo", "--grace", "10"])
        defer { if demo.process.isRunning { demo.kill() } }
        let first = try #require(demo.lines.next(timeout: 60))
        let named = try #require(first.firstMatch(of: /on (\S+)\/run\/socket; .*\((hk-alice-[0-9a-f]+), (hk-contoso-[0-9a-f]+)\)/),
                                 "\(first)")
        let (directory, users) = (String(named.1), [String(named.2), String(named.3)])
        var servicePid: Int32?
        while let line = demo.lines.next(timeout: 60) {
            if let m = line.firstMatch(of: /Contoso service \(pid (\d+),/) { servicePid = Int32(m.1) }
            if line.hasPrefix("4. alice logs off") { break }
        }
        #expect(users.allSatisfy { getpwnam($0) != nil }, "the users exist during the demo")
        usleep(300_000)  // into the 10 s grace period: the service still runs as its user
        kill(demo.process.processIdentifier, sig)
        #expect(demo.waitForExit(seconds: 30), "the demo ended")
        #expect(demo.process.terminationReason == .uncaughtSignal && demo.process.terminationStatus == sig, "ended by the signal, after cleaning up")
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        for user in users {
            #expect(!passwd.split(separator: "\n").contains { $0.hasPrefix(user + ":") }, "\(user) was removed")
        }
        #expect(!FileManager.default.fileExists(atPath: directory), "its directory was removed")
        let pid = try #require(servicePid)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"), "the service process was ended")
    }

    /// The other policies: `wait` leaves the hive loaded until the service lets go, then
    /// uploads; `snapshot` lets the service read a copy. Neither breaks the service.
    @Test func theOtherPolicies() throws {
        for policy in ["wait", "snapshot"] {
            let r = try Self.demo(["--grace", "0.5", "--policy", policy, "--demo-identity"])
            #expect(r.status == 0, "\(policy): \(r.err)")
            #expect(r.object["unload"] as? String == (policy == "wait" ? "waiting" : "snapshot"))
            let service = r.object["service"] as? [String: Any]
            #expect(service?["probeAfterLogoff"] as? String == "probe ok", "\(policy): \(service ?? [:])")
            #expect(r.object["uploaded"] as? Bool == true && r.object["roamingValue"] as? String == "blue", "\(policy)")
        }
        let bad = try runProgram(builtProduct("hivekeeper"), ["demo", "--policy", "nope"])
        #expect(bad.status != 0 && bad.errText.contains("force, wait or snapshot"))
    }

    /// With --state the files stay: the roaming copy opens in our reader with her setting.
    @Test func theDemoKeepsItsFilesWhenAsked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-demo-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.demo(["--grace", "0", "--demo-identity", "--state", dir.path])
        #expect(r.status == 0, "\(r.err)")
        let copy = try #require(r.object["roamingCopy"] as? String)
        #expect(copy.hasPrefix(dir.path))
        let hive = try Hive(path: copy)
        let demo = try hive.key(path: "Software\\Demo")
        let color = try #require(try hive.value(of: demo, named: "Color"))
        let blue: [UInt8] = (Array("blue".utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(try hive.data(of: color).bytes == blue)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("state/events.jsonl").path))
    }
}

/// The CLI does not link the server: `demo` starts the hivekeeperd executable, found by
/// $HIVEKEEPERD, then beside the CLI's real path, then on PATH — or says where it looked.
@Suite struct DemoFindsTheDaemonTests {
    static func run(_ binary: String, _ environment: [String], _ arguments: [String]) throws -> ProcessResult {
        try runProgram("/usr/bin/env", ["-u", "HIVEKEEPERD"] + environment + [binary, "demo", "--grace", "0.2"] + arguments)
    }

    @Test func aNamedDaemonThatIsNotThereIsSaid() throws {
        let r = try Self.run(builtProduct("hivekeeper"), ["HIVEKEEPERD=/nonexistent/hivekeeperd"], [])
        #expect(r.status == 1)
        #expect(r.errText.contains("HIVEKEEPERD=/nonexistent/hivekeeperd is not an executable file"), "\(r.errText)")
    }

    @Test func noDaemonAnywhereSaysWhereItLooked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-find-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("hivekeeper").path
        try FileManager.default.copyItem(atPath: builtProduct("hivekeeper"), toPath: copy)
        let r = try Self.run(copy, ["PATH=/nonexistent"], [])
        #expect(r.status == 1)
        #expect(r.errText.contains("hivekeeperd not found: looked at $HIVEKEEPERD (not set), \(dir.path)/hivekeeperd, PATH (/nonexistent)"),
                "\(r.errText)")
    }

    /// A symlink to the CLI (an alias in PATH, say) still finds its own build's daemon.
    @Test func aSymlinkedCLIFindsTheDaemonBesideItsRealPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-find-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = dir.appendingPathComponent("hivekeeper").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: builtProduct("hivekeeper"))
        let r = try Self.run(link, ["PATH=/nonexistent"], ["--demo-identity", "--json"])
        #expect(r.status == 0, "\(r.errText)")
        #expect(r.outText.contains("\"unload\""), "\(r.outText)")
    }
}
