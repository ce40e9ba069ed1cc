import Foundation
import HiveFormat
import Testing
import TestSupport

/// Roaming profiles on a real Samba server, driven through hivekeeperd (docs/profiles.md
/// "Roaming on an SMB share"): the share's copy byte for byte, and each fault — the server away
/// at logon and at logoff, a wrong password, two daemons logging one user off.
@Suite(.serialized, .enabled(if: SambaServer.isAvailable, "needs root and Debian's samba"))
struct SMBRoamingTests {
    let server: SambaServer
    init() throws { server = try SambaServer() }

    var store: String { server.url + "/roaming" }
    func shareHive(_ user: String = "alice") -> URL { server.file("roaming/\(user).V6/NTUSER.DAT") }
    func localHive(_ h: DaemonHarness, _ user: String = "alice") -> URL {
        h.dir.appendingPathComponent("state/profiles/\(user)/NTUSER.DAT")
    }

    func daemon(credentials: String? = nil, config: [String] = []) throws -> DaemonHarness {
        try DaemonHarness(roaming: store, config: ["roaming_credentials = \(credentials ?? server.credentialsFile)",
                                                   "roaming_timeout = 5", "upload_retry_delay = 0.2"] + config)
    }

    func logon(_ h: DaemonHarness, _ user: String = "alice") throws -> (session: String, sid: String) {
        let r = try h.cli(["session", "logon", user])
        #expect(r.status == 0, "\(r.errText)")
        let session = r.outText.trimmingCharacters(in: .whitespacesAndNewlines)
        let line = try h.cli(["session", "list"]).outText.split(separator: "\n").first { $0.hasPrefix("\(session)\t") }
        return (session, String(try #require(line?.split(separator: "\t").dropFirst(2).first)))
    }

    func set(_ h: DaemonHarness, sid: String, _ name: String, _ data: String) throws {
        let r = try h.cli(["add", "HKU\\\(sid)\\Software\\Roaming", "/v", name, "/d", data, "/f"])
        #expect(r.status == 0, "\(r.errText)")
    }

    func logoff(_ h: DaemonHarness, _ session: String) throws -> [String: Any] {
        let r = try h.cli(["session", "logoff", session, "--json"])
        #expect(r.status == 0, "\(r.errText)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.outText.utf8)) as? [String: Any])
    }

    /// The value `name` under Software\Roaming of a hive file, as text.
    func value(_ file: URL, _ name: String) throws -> String? {
        let hive = try Hive(path: file.path)
        guard let key = try? hive.key(path: "Software\\Roaming"), let v = try hive.value(of: key, named: RegistryName(name)) else { return nil }
        let units = try hive.data(of: v).bytes.chunked16()
        return String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
    }

    /// The user's directory on the share holds NTUSER.DAT and one lock file (the highest
    /// generation stays: docs/roaming.md), released; no step of an upload left behind.
    func expectOnlyTheCopyAndAReleasedLock(_ comment: String = "") throws {
        let dir = shareHive().deletingLastPathComponent()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let locks = names.filter { $0.hasPrefix("NTUSER.DAT.lock.") }
        #expect(names.filter { !$0.hasPrefix("NTUSER.DAT.lock.") } == ["NTUSER.DAT"], "no step left behind \(comment): \(names)")
        #expect(locks.count == 1, "\(comment) \(names)")
        if let lock = locks.first {
            let text = String(decoding: try Data(contentsOf: dir.appendingPathComponent(lock)), as: UTF8.self)
            #expect(text.contains("\nfree\n"), "released \(comment): \(text)")
        }
    }

    func ids(_ h: DaemonHarness) throws -> [Int] { try h.events().compactMap { $0["id"] as? Int } }

    func eventText(_ h: DaemonHarness, _ id: Int) throws -> String {
        try h.events().filter { $0["id"] as? Int == id }.map { "\($0["message"] ?? "")" }.joined(separator: "\n")
    }

    /// Logon, a setting, logoff: the share holds the local hive byte for byte; another machine
    /// (a second daemon with its own state) logging her on gets the setting from the share.
    @Test func aProfileRoamsThroughSamba() throws {
        defer { server.remove() }
        let one = try daemon()
        defer { one.stop() }
        let (session, sid) = try logon(one)
        try set(one, sid: sid, "Color", "teal")
        let o = try logoff(one, session)
        #expect(o["uploaded"] as? Bool == true)
        #expect(o["roamingCopy"] as? String == store + "/alice.V6/NTUSER.DAT")
        #expect(try Data(contentsOf: shareHive()) == Data(contentsOf: localHive(one)), "the share's copy is the hive, byte for byte")
        #expect(try value(shareHive(), "Color") == "teal")
        try expectOnlyTheCopyAndAReleasedLock()

        let two = try daemon()
        defer { two.stop() }
        let (_, sid2) = try logon(two)
        #expect(sid2 == sid)
        let q = try two.cli(["query", "HKU\\\(sid)\\Software\\Roaming", "/v", "Color"])
        #expect(q.outText.contains("REG_SZ    teal"), "\(q.outText)\(q.errText)")
    }

    /// smbd stopped: a user with a local copy gets it (1506), one without a temporary profile
    /// (1511); the logoff keeps the local copy (1509, 1504) and, the server back, the retry
    /// uploads it (9560).
    @Test func theServerAwayAtLogonAndAtLogoff() throws {
        defer { server.remove() }
        let h = try daemon()
        defer { h.stop() }
        let first = try logon(h)
        try set(h, sid: first.sid, "Color", "amber")
        _ = try logoff(h, first.session)
        server.stop()

        let again = try logon(h)
        #expect(try ids(h).contains(1506))
        let unavailable = try eventText(h, 1506)
        #expect(unavailable.contains("cannot be reached"), "\(unavailable)")
        let q = try h.cli(["query", "HKU\\\(again.sid)\\Software\\Roaming", "/v", "Color"])
        #expect(q.outText.contains("amber"), "the local copy is used: \(q.outText)\(q.errText)")
        let bob = try logon(h, "bob")
        #expect(try ids(h).contains(1511), "no copy anywhere and no server: a temporary profile")
        _ = try logoff(h, bob.session)

        try set(h, sid: again.sid, "Color", "violet")
        let o = try logoff(h, again.session)
        #expect(o["uploaded"] as? Bool == false)
        #expect(o["uploadPending"] as? Bool == true)
        let afterLogoff = try ids(h)
        #expect(afterLogoff.contains(1509) && afterLogoff.contains(1504))
        #expect(try value(shareHive(), "Color") == "amber", "the share keeps its whole old copy")

        try server.start()
        for _ in 0..<300 {
            if try ids(h).contains(9560) { break }
            usleep(20_000)
        }
        #expect(try ids(h).contains(9560), "the retry uploaded it")
        #expect(try value(shareHive(), "Color") == "violet")
        #expect(try Data(contentsOf: shareHive()) == Data(contentsOf: localHive(h)))
        #expect(!FileManager.default.fileExists(atPath: shareHive("bob").path), "a temporary profile is never uploaded")
    }

    /// A wrong password is a clear error in the events (logon and logoff), and a credentials
    /// file others can read stops the daemon from starting.
    @Test func wrongCredentialsAreAClearError() throws {
        defer { server.remove() }
        let wrong = server.dir.appendingPathComponent("wrong-credentials")
        try "username = \(server.user)\npassword = not-the-password\n".write(to: wrong, atomically: true, encoding: .utf8)
        chmod(wrong.path, 0o600)
        let h = try daemon(credentials: wrong.path)
        defer { h.stop() }
        let (session, _) = try logon(h)
        let refused = try eventText(h, 1506)
        #expect(refused.contains("access denied"), "\(refused)")
        #expect(try ids(h).contains(1511), "no local copy: a temporary profile")
        _ = try logoff(h, session)

        chmod(wrong.path, 0o644)
        let error = try #require(throws: HarnessError.self) { try daemon(credentials: wrong.path) }
        #expect(error.description.contains("chmod 600"), "\(error)")
    }

    /// Two daemons (two machines, separate state) log the same user off at once, round after
    /// round (50; HIVEKEEPER_TWO_DAEMON_ROUNDS sets it): the store lock makes one wait (its
    /// upload retried) or lose its lease, and it then finds the share changed and merges; the
    /// share ends every round with both machines' settings, whole, and the merge says so (9601).
    @Test func twoDaemonsLoggingOneUserOff() async throws {
        defer { server.remove() }
        // The loser's retry comes soon: 50 rounds stay within CI's patience.
        let one = try daemon(config: ["roaming_conflicts = merge", "upload_retry_delay = 0.05"])
        defer { one.stop() }
        let two = try daemon(config: ["roaming_conflicts = merge", "upload_retry_delay = 0.05"])
        defer { two.stop() }
        let rounds = ProcessInfo.processInfo.environment["HIVEKEEPER_TWO_DAEMON_ROUNDS"].flatMap(Int.init) ?? 50
        let findings = Findings()
        // Blocking (processes, polling) for a minute: on a thread of its own, not the tests' pool.
        try await onOwnThread { try twoDaemonRounds(one, two, rounds, findings) }
        findings.all.forEach { Issue.record(Comment(rawValue: $0)) }
    }

    func twoDaemonRounds(_ one: DaemonHarness, _ two: DaemonHarness, _ rounds: Int, _ findings: Findings) throws {
        func merges() throws -> Int { try ids(one).filter { $0 == 9601 }.count + ids(two).filter { $0 == 9601 }.count }
        let started = Date()
        var waits = 0
        for round in 0..<rounds {
            let before = try merges()
            let a = try logon(one)
            let b = try logon(two)
            try set(one, sid: a.sid, "FromOne", "\(round)")
            try set(two, sid: b.sid, "FromTwo", "\(round)")

            let results = LockedBox<[[String: Any]]>([])
            let threads = [(one, a.session), (two, b.session)].map { h, session in
                Thread { if let o = try? logoff(h, session) { results.update { $0.append(o) } } }
            }
            threads.forEach { $0.start() }
            for _ in 0..<500 {
                if results.get().count == 2 { break }
                usleep(20_000)
            }
            findings.expect(results.get().count == 2, "round \(round): both logoffs answered")
            waits += results.get().filter { $0["uploadPending"] as? Bool == true }.count
            var both = false
            for _ in 0..<500 {
                // Mid-replace, NTUSER.DAT is briefly absent (it is `.previous` then): read again.
                both = (try? value(shareHive(), "FromOne")) == "\(round)" && (try? value(shareHive(), "FromTwo")) == "\(round)"
                if both { break }
                usleep(20_000)
            }
            findings.expect(both, "round \(round): the share holds both machines' settings")
            guard both else { break }
            // Whoever uploaded second merged the first one's copy, and said so.
            var waited = 0
            while try merges() == before, waited < 100 {
                usleep(20_000)
                waited += 1
            }
            findings.expect(try merges() == before + 1, "round \(round): one merge reported")
            let dir = shareHive().deletingLastPathComponent()
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            let locks = names.filter { $0.hasPrefix("NTUSER.DAT.lock.") }
            findings.expect(names.filter { !$0.hasPrefix("NTUSER.DAT.lock.") } == ["NTUSER.DAT"] && locks.count == 1,
                            "round \(round): no step left behind, one lock file: \(names)")
            if let lock = locks.first {
                let text = String(decoding: try Data(contentsOf: dir.appendingPathComponent(lock)), as: UTF8.self)
                findings.expect(text.contains("\nfree\n"), "round \(round): the lock released: \(text)")
            }
        }
        print(String(format: "two daemons: %d rounds in %.1f s, %d logoffs waited for the lock", rounds, Date().timeIntervalSince(started), waits))
    }
}

private extension Array where Element == UInt8 {
    func chunked16() -> [UInt16] {
        stride(from: 0, to: count - 1, by: 2).map { UInt16(self[$0]) | UInt16(self[$0 + 1]) << 8 }
    }
}
