import Foundation
import HiveFormat
import RegistryClient
import Testing
import TestSupport

/// hivekeeperd with real processes (docs/daemon.md): the seed's story through the daemon, a
/// killed client's handles, a malformed frame, and who may do what. Serialized: each test runs
/// its own daemon and children, and they are timed against a grace period.
@Suite(.serialized) struct DaemonTests {
    /// The seed through the daemon, as SeedTests tells it in process: the service that
    /// impersonated alice hears of her logoff before the grace period starts, is named in the
    /// leak report with how its reference came to exist, and meets ERROR_KEY_DELETED after the
    /// forced unload; her program was ended; her setting roamed.
    @Test func theSeedThroughTheDaemon() throws {
        let grace = 2.0
        let h = try DaemonHarness(grace: grace)
        defer { h.stop() }
        let session = try h.cli(["session", "logon", "alice"])
        #expect(session.status == 0, "\(session.errText)")
        let id = session.outText.trimmingCharacters(in: .whitespacesAndNewlines)

        let service = try h.actor("service", as: "contoso", impersonate: "alice")
        defer { service.kill() }
        let program = try h.actor("program", as: "alice")
        defer { if program.process.isRunning { program.kill() } }

        let list = try h.cli(["session", "list"])
        #expect(list.outText.contains("\(id)\talice\t"))
        #expect(list.outText.contains("\(program.pid)"), "the program belongs to alice's session")

        let before = try h.cli(["handles", "--user", "alice"])
        #expect(before.outText.contains("\(service.pid)\t") && before.outText.contains("predefinedCache"), "\(before.outText)")

        // The logoff, in its own thread: it waits out the grace period.
        let started = Date()
        let logoffDone = LockedBox<ProcessResult?>(nil)
        let t = Thread { logoffDone.set(try? h.cli(["session", "logoff", id, "--json"])) }
        t.start()
        #expect(service.lines.next(timeout: 10) == "notice 6 \(id)")  // WTS_SESSION_LOGOFF
        let notified = Date().timeIntervalSince(started)
        while logoffDone.get() == nil && Date().timeIntervalSince(started) < 60 { usleep(20_000) }
        let elapsed = Date().timeIntervalSince(started)
        let result = try #require(logoffDone.get() ?? nil)
        #expect(result.status == 0, "\(result.errText)")
        // The notice came before the grace period began: the logoff went on for the whole grace after it.
        #expect(elapsed - notified >= grace * 0.9, "notified at \(notified) s, logoff ended at \(elapsed) s")

        let o = try #require(try JSONSerialization.jsonObject(with: Data(result.outText.utf8)) as? [String: Any])
        #expect(o["unload"] as? String == "forced")
        #expect(o["uploaded"] as? Bool == true)
        #expect((o["endedProcesses"] as? [Int])?.contains(Int(program.pid)) == true)
        #expect((o["notifiedServices"] as? [String]) == ["contoso#\(service.pid)"])
        let leak = (o["leakReport"] as? [String] ?? []).joined(separator: "\n")
        #expect(leak.contains("Process \(service.pid) ") && leak.contains("HKCU cache bound while impersonating"), "\(leak)")

        // The program was asked to end (SIGTERM) and did.
        #expect(program.waitForExit(seconds: 10))
        // The service meets ERROR_KEY_DELETED through its cached HKCU.
        service.send("probe")
        #expect(service.lines.next(timeout: 10) == "probe error 1018")

        // Her setting roamed.
        let hive = try Hive(path: h.roamingHive.path)
        let root = try hive.key(at: hive.baseBlock.rootCellOffset)
        let software = try #require(try hive.subkey(of: root, named: RegistryName("Software")))
        let demo = try #require(try hive.subkey(of: software, named: RegistryName("Demo")))
        let color = try #require(try hive.value(of: demo, named: RegistryName("Color")))
        let blue: [UInt8] = (Array("blue".utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let stored = try hive.data(of: color).bytes
        #expect(stored == blue)

        let events = try h.cli(["events", "--json"])
        let ids = events.outText.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? Int
        }
        let order = [3, 9001, 1530, 9002, 9530, 9003, 6, 7, 4]
        #expect(ids.filter { order.contains($0) } == order, "\(ids)")
    }

    /// A daemon killed during a logoff's grace period: its clients learn the connection is gone,
    /// and the restart finishes the logoff — her setting, written by her program before the
    /// crash, reaches the roaming store; the event log says the work was resumed.
    @Test func aDaemonKilledMidLogoffFinishesItOnRestart() throws {
        let h = try DaemonHarness(grace: 60)
        defer { h.stop() }
        let session = try h.cli(["session", "logon", "alice"]).outText.trimmingCharacters(in: .whitespacesAndNewlines)
        let service = try h.actor("service", as: "contoso", impersonate: "alice")
        defer { service.kill() }
        let program = try h.actor("program", as: "alice")
        defer { if program.process.isRunning { program.kill() } }

        let logoffDone = LockedBox<ProcessResult?>(nil)
        Thread { logoffDone.set(try? h.cli(["session", "logoff", session])) }.start()
        #expect(service.lines.next(timeout: 10) == "notice 6 \(session)")
        // In the grace period (event 9002 logged), kill it.
        var inGrace = false
        for _ in 0..<200 where !inGrace {
            inGrace = try h.cli(["events", "--json"]).outText.contains("\"id\":9002")
            if !inGrace { usleep(20_000) }
        }
        #expect(inGrace)
        h.crash()
        #expect(service.lines.next(timeout: 10)?.hasPrefix("goodbye ") == true, "the client library says the daemon went")
        for _ in 0..<500 where logoffDone.get() == nil { usleep(20_000) }
        #expect((logoffDone.get() ?? nil)?.status == 1, "the logoff's caller sees the call fail")
        #expect(!FileManager.default.fileExists(atPath: h.roamingHive.path), "nothing was uploaded before the crash")
        let pending = h.dir.appendingPathComponent("state/pending/alice")
        #expect(FileManager.default.fileExists(atPath: pending.path))

        try h.restart()
        let hive = try Hive(path: h.roamingHive.path)
        let color = try #require(try hive.value(of: try hive.key(path: "Software\\Demo"), named: "Color"))
        let blue: [UInt8] = (Array("blue".utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(try hive.data(of: color).bytes == blue)
        #expect(!FileManager.default.fileExists(atPath: pending.path))
        let events = try h.cli(["events", "--json"]).outText
        let ids = events.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? Int
        }
        #expect(ids.suffix(3) == [9590, 6, 7], "\(ids)")
        #expect(try h.cli(["session", "list"]).outText.isEmpty, "no session survives a restart")
        // And alice can log on again, with her setting.
        let again = try h.cli(["session", "logon", "alice"])
        #expect(again.status == 0, "\(again.errText)")
        let q = try h.cli(["query", "HKU\\\(try sid(h))\\Software\\Demo", "/v", "Color"])
        #expect(q.outText.contains("REG_SZ    blue"), "\(q.outText)\(q.errText)")
    }

    /// `hivekeeper chaos force-unload alice` (docs/profiles.md "Chaos"): the service that
    /// impersonated her meets ERROR_KEY_DELETED at once, without a logoff; she stays logged on
    /// and her program's new opens work; only root may do it.
    @Test func chaosForceUnloadBreaksTheLeakedReferencesNow() throws {
        let h = try DaemonHarness(grace: 60)
        defer { h.stop() }
        let session = try h.cli(["session", "logon", "alice"]).outText.trimmingCharacters(in: .whitespacesAndNewlines)
        let service = try h.actor("service", as: "contoso", impersonate: "alice")
        defer { service.kill() }
        service.send("probe")
        #expect(service.lines.next(timeout: 10) == "probe ok")

        #expect(try h.cli(["chaos", "force-unload", "alice"], as: "alice").errText.contains("(1314)"), "not for alice herself")
        let chaos = try h.cli(["chaos", "force-unload", "alice"])
        #expect(chaos.status == 0, "\(chaos.errText)")
        #expect(chaos.outText.contains("\(service.pid)\t") && chaos.outText.contains("predefinedCache"), "\(chaos.outText)")
        service.send("probe")
        #expect(service.lines.next(timeout: 10) == "probe error 1018", "its cached HKCU points at the unloaded hive")

        #expect(try h.cli(["session", "list"]).outText.contains("\(session)\talice\t"), "still logged on")
        let program = try h.actor("program", as: "alice")
        defer { program.kill() }
        program.send("probe")
        #expect(program.lines.next(timeout: 10) == "probe ok", "a new process's HKCU is the reloaded hive")
        #expect(try h.events().contains { $0["id"] as? Int == 9610 })
        let bob = try h.cli(["chaos", "force-unload", "bob"])
        #expect(bob.errText.contains("(2)") && bob.errText.contains("bob's profile is not loaded"), "\(bob.errText)")
    }

    private func sid(_ h: DaemonHarness) throws -> String {
        let list = try h.cli(["session", "list"]).outText
        return String(try #require(list.split(separator: "\t").dropFirst(2).first))
    }

    /// reg.exe's commands on live keys: add, copy, compare, export, delete, load and unload go
    /// through the daemon with Windows' checks (an ordinary user cannot write HKLM\SOFTWARE or
    /// load hives).
    @Test func theOnlineCommandsEditTheLiveRegistry() throws {
        let h = try DaemonHarness()
        defer { h.stop() }
        func ok(_ args: [String], as who: String = "SYSTEM") throws -> String {
            let r = try h.cli(args, as: who)
            #expect(r.status == 0, "\(args): \(r.errText)")
            return r.outText
        }
        _ = try ok(["add", "HKLM\\SOFTWARE\\T\\A", "/v", "x", "/t", "REG_DWORD", "/d", "5"])
        _ = try ok(["add", "HKLM\\SOFTWARE\\T\\A\\B", "/v", "y", "/d", "hi"])
        _ = try ok(["copy", "HKLM\\SOFTWARE\\T\\A", "HKLM\\SOFTWARE\\T\\C", "/s"])
        #expect(try ok(["query", "HKLM\\SOFTWARE\\T\\C\\B", "/v", "y"]).contains("y    REG_SZ    hi"))
        #expect(try ok(["compare", "HKLM\\SOFTWARE\\T\\A", "HKLM\\SOFTWARE\\T\\C", "/s"]).contains("Result Compared: Identical"))
        _ = try ok(["add", "HKLM\\SOFTWARE\\T\\C\\B", "/v", "y", "/d", "changed", "/f"])
        let differ = try h.cli(["compare", "HKLM\\SOFTWARE\\T\\A", "HKLM\\SOFTWARE\\T\\C", "/s"])
        #expect(differ.status == 2 && differ.outText.contains("> Value: HKEY_LOCAL_MACHINE\\SOFTWARE\\T\\C\\B  y  REG_SZ  changed"), "\(differ.outText)")
        let exported = try ok(["export", "HKLM\\SOFTWARE\\T", "-", "--format", "regedit4"])
        #expect(exported.contains("[HKEY_LOCAL_MACHINE\\SOFTWARE\\T\\A]\r\n\"x\"=dword:00000005"), "\(exported)")
        // The export imports into a hive file offline and compares equal with the live key.
        let reg = h.dir.appendingPathComponent("t.reg").path
        _ = try ok(["export", "HKLM\\SOFTWARE\\T", reg])
        let file = h.dir.appendingPathComponent("t.dat").path
        let imported = try runProgram(builtProduct("hivekeeper"), ["import", "--hive", file, reg, "--prefix", "HKEY_LOCAL_MACHINE"])
        #expect(imported.status == 0, "\(imported.errText)")
        #expect(try ok(["compare", "HKLM\\SOFTWARE\\T", "--hive2", file, "SOFTWARE\\T", "/s"]).contains("Identical"))
        _ = try ok(["delete", "HKLM\\SOFTWARE\\T\\A", "/va", "/f"])
        _ = try ok(["delete", "HKLM\\SOFTWARE\\T\\C", "/f"])
        let gone = try h.cli(["query", "HKLM\\SOFTWARE\\T\\C"])
        #expect(gone.status == 1 && gone.errText.contains("(2)"))
        #expect(try ok(["query", "HKLM\\SOFTWARE\\T\\A"]).contains("x    REG_DWORD") == false)
        _ = try ok(["add", "HKLM\\SOFTWARE\\T\\C", "/v", "x", "/t", "REG_DWORD", "/d", "5"])
        _ = try ok(["add", "HKLM\\SOFTWARE\\T\\A", "/v", "x", "/t", "REG_DWORD", "/d", "5"])
        // load / unload: SYSTEM may; alice may not (no backup/restore privileges: 1314).
        let denied = try h.cli(["load", "HKLM\\X", file], as: "alice")
        #expect(denied.status == 1 && denied.errText.contains("(1314)"), "\(denied.errText)")
        _ = try ok(["load", "HKLM\\X", file])
        #expect(try ok(["query", "HKLM\\X\\SOFTWARE\\T\\C\\B", "/v", "y"]).contains("changed"))
        #expect(try h.cli(["unload", "HKLM\\X"], as: "alice").errText.contains("(1314)"))
        _ = try ok(["unload", "HKLM\\X"])
        #expect(try h.cli(["query", "HKLM\\X"]).status == 1)
        // import: a .reg file of live paths (regedit's deletions included) applied through the daemon.
        let regFile = h.dir.appendingPathComponent("in.reg")
        try Data("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\I\\J]\r\n\"s\"=\"text\"\r\n\"d\"=dword:0000002a\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\T\\C]\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\T\\A]\r\n\"x\"=-\r\n".utf8).write(to: regFile)
        _ = try ok(["import", regFile.path])
        #expect(try ok(["query", "HKLM\\SOFTWARE\\I\\J", "/v", "d"]).contains("d    REG_DWORD    0x2a"))
        #expect(try h.cli(["query", "HKLM\\SOFTWARE\\T\\C"]).status == 1)
        try Data("REGEDIT4\r\n\r\n[HKEY_NOWHERE\\X]\r\n".utf8).write(to: regFile)
        let badImport = try h.cli(["import", regFile.path])
        #expect(badImport.status == 1 && badImport.errText.contains("line 3"), "\(badImport.errText)")
        // save / restore: SYSTEM saves T and restores it over another key; alice holds neither privilege.
        let saved = h.dir.appendingPathComponent("t.hiv").path
        #expect(try h.cli(["save", "HKLM\\SOFTWARE\\T", saved], as: "alice").errText.contains("(1314)"))
        _ = try ok(["save", "HKLM\\SOFTWARE\\T", saved])
        let exists = try h.cli(["save", "HKLM\\SOFTWARE\\T", saved])
        #expect(exists.status == 1, "an existing file needs /y")
        #expect(exists.errText.contains("pass /y") && !exists.errText.contains("/f"), "save's switch is /y: \(exists.errText)")
        #expect(LogDiscovery.logs(besideHive: saved).isEmpty, "RegSaveKey writes no log beside the hive")
        _ = try ok(["save", "HKLM\\SOFTWARE\\T", saved, "/y"])
        let savedHive = try Hive(path: saved)  // kept alive: a NamedKey reads from its mapping
        #expect(try savedHive.rootKey().name == "T")
        _ = try ok(["add", "HKLM\\SOFTWARE\\R", "/v", "old", "/d", "x"])
        #expect(try h.cli(["restore", "HKLM\\SOFTWARE\\R", saved], as: "alice").errText.contains("(1314)"))
        _ = try ok(["restore", "HKLM\\SOFTWARE\\R", saved])
        #expect(try ok(["compare", "HKLM\\SOFTWARE\\T", "HKLM\\SOFTWARE\\R", "/s"]).contains("Identical"))
        // save --format (RegSaveKeyEx): plain save is 1.3, latest 1.5; no-compression only at a hive's root (87).
        #expect(try Data(contentsOf: URL(fileURLWithPath: saved))[24] == 3)
        _ = try ok(["save", "HKLM\\SOFTWARE\\T", saved, "/y", "--format", "latest"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: saved))[24] == 5)
        #expect(try h.cli(["save", "HKLM\\SOFTWARE\\T", saved, "/y", "--format", "no-compression"]).errText.contains("(87)"))
        // rename (RegRenameKey), then watch (RegNotifyChangeKeyValue): the watcher prints the change and ends.
        _ = try ok(["rename", "HKLM\\SOFTWARE\\R", "R2"])
        #expect(try h.cli(["query", "HKLM\\SOFTWARE\\R"]).status == 1)
        let watcher = try Actor(builtProduct("hivekeeper"), ["watch", "HKLM\\SOFTWARE\\R2", "/s", "--filter", "last-set",
                                                            "--timeout", "30", "--socket", h.socket, "--as", "SYSTEM"])
        #expect(watcher.lines.next(timeout: 30)?.hasPrefix("Watching HKEY_LOCAL_MACHINE\\SOFTWARE\\R2 and below") == true)
        _ = try ok(["add", "HKLM\\SOFTWARE\\R2\\Deeper", "/v", "w", "/d", "x"])
        #expect(watcher.lines.next(timeout: 30) == "HKEY_LOCAL_MACHINE\\SOFTWARE\\R2 changed")
        #expect(watcher.waitForExit(seconds: 30) && watcher.process.terminationStatus == 0)
        let quiet = try h.cli(["watch", "HKLM\\SOFTWARE\\R2", "--timeout", "0.2"])
        #expect(quiet.status == 1 && quiet.errText.contains("no change"), "\(quiet.errText)")
        // An ordinary user cannot write HKLM\SOFTWARE; a mistyped key is named before connecting.
        #expect(try h.cli(["add", "HKLM\\SOFTWARE\\T", "/v", "q"], as: "alice").errText.contains("(5)"))
        // A demo identity is never a path: it names directories of the daemon's state.
        for bad in ["../x", ".hidden", "a/b"] {
            #expect(try h.cli(["query", "HKLM"], as: bad).errText.contains("(1332)"), "\(bad)")
        }
        let typo = try h.cli(["add", "HKXX\\T"])
        #expect(typo.status == 1 && typo.errText.contains("Invalid key name"), "\(typo.errText)")
    }

    /// A client killed with SIGKILL never closes anything: its connection's end closes its
    /// handles, as a Windows process's end does.
    @Test func aKilledClientsHandlesClose() throws {
        let h = try DaemonHarness()
        defer { h.stop() }
        _ = try h.cli(["session", "logon", "alice"])
        let service = try h.actor("service", as: "contoso", impersonate: "alice")
        #expect(try h.cli(["handles", "--user", "alice"]).outText.contains("\(service.pid)\t"))
        service.kill(SIGKILL)
        var remaining = "?"
        for _ in 0..<100 {
            remaining = try h.cli(["handles", "--user", "alice"]).outText
            if remaining.contains("No references.") { break }
            usleep(50_000)
        }
        #expect(remaining.contains("No references."), "\(remaining)")
        // And the logoff that follows is clean and quick.
        let logoff = try h.cli(["session", "logoff", "1", "--json"])
        #expect(logoff.outText.contains("\"unload\":\"clean\""), "\(logoff.outText)")
    }

    /// A frame that breaks the protocol gets an error and a closed connection; the daemon goes
    /// on serving everyone else.
    @Test func aMalformedFrameClosesOnlyItsConnection() throws {
        let h = try DaemonHarness()
        defer { h.stop() }
        for garbage: [UInt8] in [[0xFF, 0xFF, 0xFF, 0x7F], [4, 0, 0, 0, 1, 2, 3, 4], [0, 0, 0, 0]] {
            let reply = try RawSocket.exchange(h.socket, garbage)
            #expect(reply.closed, "the daemon closes the connection")
            #expect(reply.bytes.count > 9 && reply.bytes[4] == 1, "a failure frame first")
        }
        let q = try h.cli(["query", "HKLM"])
        #expect(q.status == 0 && q.outText.contains("HKEY_LOCAL_MACHINE\\SOFTWARE"), "\(q.errText)")
        #expect(h.daemon.isRunning)
    }

    /// Without demo-identity mode the kernel says who connected: naming an identity is refused,
    /// and root is LocalSystem.
    @Test func identityComesFromTheSocket() throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let named = try h.cli(["query", "HKLM"], as: "alice")
        #expect(named.status == 1 && named.errText.contains("demo-identity"), "\(named.errText)")
        if getuid() == 0 {
            let root = try h.cli(["session", "list"], as: nil)
            #expect(root.status == 0, "\(root.errText)")
        }
    }

    /// Another Linux user (nobody, and a real temporary user for the hive) cannot log sessions
    /// on or off, look at hives that are not theirs, open another user's hive, or impersonate
    /// without the privilege. Needs root (to create the user and to switch to it).
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func anotherUserIsKeptOut() async throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let user = "hkt\(getpid() % 100_000)"
        #expect(try runProgram("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user]).status == 0)
        defer { _ = try? runProgram("/usr/sbin/userdel", [user]) }
        let logon = try h.cli(["session", "logon", user], as: nil)
        #expect(logon.status == 0, "\(logon.errText)")
        let sid = try #require(try h.cli(["session", "list"], as: nil).outText.split(separator: "\t").dropFirst(2).first)

        func asNobody(_ arguments: [String]) throws -> ProcessResult {
            try runProgram("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", builtProduct("hivekeeper")]
                + arguments + ["--socket", h.socket])
        }
        #expect(try asNobody(["session", "logon", user]).errText.contains("(1314)"))
        #expect(try asNobody(["session", "logoff", "1"]).errText.contains("(1314)"))
        #expect(try asNobody(["handles", "--user", user]).errText.contains("(5)"))
        #expect(try asNobody(["query", "HKU\\\(sid)"]).errText.contains("(5)"))
        #expect(try asNobody(["query", "HKU\\\(sid)\\Software"]).errText.contains("(5)"))
        let impersonating = try asNobody(["demo-actor", "service", "--impersonate", user])
        #expect(impersonating.status != 0 && impersonating.errText.contains("1314"), "\(impersonating.errText)")
        // Loading and unloading hives needs privileges nobody has.
        let file = h.dir.appendingPathComponent("x.dat").path
        #expect(try asNobody(["load", "HKLM\\X", file]).errText.contains("(1314)"))
        #expect(try asNobody(["unload", "HKU\\\(sid)"]).errText.contains("(1314)"))
        // Another process's handles cannot be reached by guessing their values: this process
        // opens a key, another (the actor) tries the same number and meets ERROR_INVALID_HANDLE.
        let mine = try await RegistryClient.connect(socketPath: h.socket)
        defer { mine.close() }
        let key = try await mine.openKey(.localMachine, "SOFTWARE", access: .keyRead)
        let guesser = try h.actor("program", runAs: user)
        defer { guesser.kill() }
        guesser.send("handle \(key.rawValue)")
        #expect(guesser.lines.next(timeout: 10) == "handle error 6")
        // The user's own hive is theirs (and root's).
        #expect(try h.cli(["query", "HKU\\\(sid)"], as: nil).status == 0)
    }
}

/// A raw connection: write bytes, read until the daemon closes (bounded).
enum RawSocket {
    static func exchange(_ path: String, _ bytes: [UInt8]) throws -> (bytes: [UInt8], closed: Bool) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard r == 0 else { throw HarnessError("connect failed: \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (out, true) }
            if n < 0 { return (out, false) }
            out += buffer[0..<n]
        }
    }
}

final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func get() -> T { lock.withLock { value } }
    func set(_ v: T) { lock.withLock { value = v } }
    func update(_ change: (inout T) -> Void) { lock.withLock { change(&value) } }
}
