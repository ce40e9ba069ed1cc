import Foundation
import HiveFormat
import Profiles
import Registry
import RegistryTypes
import RoamingSMB
import Testing
import TestSupport

/// The store lock under contention (docs/roaming.md): N taker processes race to take over the
/// same stale lock, round after round, on a directory store and over SMB against a real smbd;
/// and a real holder killed with SIGKILL in the middle of an upload. Rounds: 100 on a
/// directory, 50 over SMB; HIVEKEEPER_LOCK_RACE_ROUNDS sets both (scripts/lock-race: 1000).
@Suite(.serialized) struct LockRaceTests {
    static let takers = 4

    static func rounds(_ ci: Int) -> Int {
        ProcessInfo.processInfo.environment["HIVEKEEPER_LOCK_RACE_ROUNDS"].flatMap(Int.init) ?? ci
    }

    /// Each round every taker is told "take NOW" at once, NOW past the last round's lease (a
    /// stale lock: 1000 s leases, rounds 10,000 s apart); exactly one must hold it (none only
    /// when a taker's store call failed, in at most a tenth of the rounds), and its
    /// check must pass; the previous round's holder, checking at its own round's time (when
    /// its lease was good by its clock), must find it lost. Every fourth round the holder
    /// releases first, so that the race is for a released lock. Notes each violation in
    /// `findings` and returns how many there were.
    func race(store: String, credentials: String, lockDirectory: URL, rounds: Int, label: String, _ findings: Findings) throws -> Int {
        let takers = try (0..<Self.takers).map {
            try Actor(builtProduct("hivekeeper-crashtest"), ["lock-race", store, credentials, "alice", "taker \($0)"])
        }
        defer { takers.forEach { $0.kill() } }
        var violations = 0
        var transient = 0
        var supersededRounds = 0
        var holder: Int?
        var heldAt = 0.0
        let started = Date()
        // The rounds' clock starts at the real time: a lock file left half-written (its creator's
        // write or close failed and so did its removal) is judged by its real mtime, and must
        // look as old to the next round as it would to a real taker 10,000 s later.
        let firstRound = started.timeIntervalSince1970.rounded(.up)
        for round in 0..<rounds {
            let now = firstRound + Double(round) * 10_000
            if round % 4 == 3, let h = holder {
                takers[h].send("release")
                let answer = takers[h].lines.next(timeout: 30)
                findings.expect(answer == "released", "\(label) round \(round): release answered \(answer ?? "nothing")")
            }
            for t in takers { t.send("take \(Int(now))") }
            let answers = takers.map { $0.lines.next(timeout: 60) ?? "no answer" }
            let held = answers.indices.filter { answers[$0].hasPrefix("held") }
            let refused = answers.filter { $0.hasPrefix("locked") }
            let failed = answers.filter { $0.hasPrefix("error") }
            // A taker whose take succeeded but whose check right after found a newer
            // generation knows it holds nothing (the check before every write is what makes the
            // lock safe). Seen under CI's load only, 2 rounds in 50, cause not yet found: counted
            // apart and bounded below, never as a second holder.
            let superseded = answers.filter { $0.hasPrefix("lost") }
            if !superseded.isEmpty {
                supersededRounds += 1
                print("\(label) round \(round): a taker found itself superseded right after taking: \(answers)")
            }
            if held.isEmpty, !failed.isEmpty, refused.count + failed.count + superseded.count == Self.takers {
                // Nobody holds it because a taker's store call failed (smbd under load once
                // answered a close with EINVAL): no round for the lock's safety, retried as a
                // logoff would be. Said, and bounded below.
                transient += 1
                print("\(label) round \(round): no holder, a store call failed: \(answers)")
            } else if held.count != 1 || refused.count + failed.count + superseded.count != Self.takers - 1 {
                // Two holders, or none without a failure to explain it. (One holder while
                // another taker's call failed is safe: that taker holds nothing.)
                violations += 1
                findings.add("\(label) round \(round): \(answers)")
            } else if !failed.isEmpty {
                print("\(label) round \(round): one holder; another taker's store call failed: \(answers)")
            }
            if let previous = holder, let new = held.first, previous != new {
                takers[previous].send("check \(Int(heldAt))")
                let check = takers[previous].lines.next(timeout: 30) ?? "no answer"
                if !check.hasPrefix("lost") {
                    violations += 1
                    findings.add("\(label) round \(round): the superseded holder's check said \(check)")
                }
            }
            holder = held.first
            heldAt = now
            if !failed.isEmpty { ageOutHalfWrittenLock(in: lockDirectory, "\(label) round \(round)") }
        }
        print(String(format: "lock race (%@): %d rounds x %d takers in %.1f s, %d violations, %d rounds without a holder after a failed store call",
                     label, rounds, Self.takers, Date().timeIntervalSince(started), violations, transient))
        // Two holders are never allowed; a failed call now and then is the store's weather.
        findings.expect(transient * 10 <= rounds, "\(label): \(transient) of \(rounds) rounds had a failed store call")
        findings.expect(supersededRounds * 10 <= rounds, "\(label): \(supersededRounds) of \(rounds) rounds had a taker superseded right after taking")
        return violations
    }

    /// A lock file whose creator's write or close failed, and its removal too, stays
    /// half-written: a real taker judges it by its mtime and takes over once a lifetime has
    /// passed. The rounds' clock (1970, 10,000 s a round) cannot age a real mtime, so after a
    /// round with a failed store call the test ages it out itself, as that lifetime would.
    func ageOutHalfWrittenLock(in directory: URL, _ label: String) {
        let prefix = "NTUSER.DAT.lock."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard let newest = names.filter({ $0.hasPrefix(prefix) }).max(by: {
            (UInt64($0.dropFirst(prefix.count)) ?? 0) < (UInt64($1.dropFirst(prefix.count)) ?? 0)
        }) else { return }
        let file = directory.appendingPathComponent(newest)
        // A whole lock file is five lines, each ending in a newline (StoreLockText).
        guard let bytes = FileManager.default.contents(atPath: file.path), bytes.filter({ $0 == 0x0A }).count < 5 else { return }
        try? FileManager.default.removeItem(at: file)
        print("\(label): removed the half-written \(newest) a failed store call left")
    }

    @Test func takersOfAStaleLockOnADirectory() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-race-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let findings = Findings()
        let violations = try await onOwnThread {
            try race(store: root.path, credentials: "-", lockDirectory: root.appendingPathComponent("alice.V6"),
                     rounds: Self.rounds(100), label: "directory", findings)
        }
        findings.all.forEach { Issue.record(Comment(rawValue: $0)) }
        #expect(violations == 0)
    }

    @Test(.enabled(if: SambaServer.isAvailable, "needs root and Debian's samba"))
    func takersOfAStaleLockOverSMB() async throws {
        let server = try SambaServer()
        defer { server.remove() }
        let findings = Findings()
        let violations = try await onOwnThread {
            try race(store: server.url + "/roaming", credentials: server.credentialsFile,
                     lockDirectory: server.share.appendingPathComponent("roaming/alice.V6"), rounds: Self.rounds(50), label: "SMB", findings)
        }
        findings.all.forEach { Issue.record(Comment(rawValue: $0)) }
        #expect(violations == 0)
    }

    /// Four machines (processes: libsmbclient contexts are not to be used from two threads at
    /// once) making the same new directories at once, as their first logoffs do: none fails
    /// for finding one made by another (the race met this once in 1000 rounds).
    @Test(.enabled(if: SambaServer.isAvailable, "needs root and Debian's samba"))
    func machinesMakingOneDirectoryAtOnce() async throws {
        let server = try SambaServer()
        defer { server.remove() }
        let findings = Findings()
        try await onOwnThread {
            var transient = 0
            defer { findings.expect(transient <= 2, "\(transient) of 8 rounds had a lock file's close fail or the server drop its connection") }
            for round in 0..<8 {
                let takers = try (0..<Self.takers).map {
                    try Actor(builtProduct("hivekeeper-crashtest"),
                              ["lock-race", server.url + "/roaming/new\(round)/deeper", server.credentialsFile, "alice", "taker \($0)"])
                }
                defer { takers.forEach { $0.kill() } }
                for t in takers { t.send("take 1000000") }
                let answers = takers.map { $0.lines.next(timeout: 60) ?? "no answer" }
                // A lock file's close failing under load (see `race`) leaves the round without a
                // holder; what this test is about — a directory another machine made — never fails.
                // So is smbd dropping connections under load ("the server cannot be reached").
                let closeFailed = answers.contains { $0.hasPrefix("error cannot close") || $0.contains("the server cannot be reached") }
                let held = answers.filter { $0.hasPrefix("held") }.count
                findings.expect(closeFailed ? held <= 1 : held == 1, "round \(round): \(answers)")
                findings.expect(!answers.contains { $0.hasPrefix("error") && !$0.hasPrefix("error cannot close") && !$0.contains("the server cannot be reached") },
                                "round \(round): \(answers)")
                if closeFailed { transient += 1 }
            }
        }
        findings.all.forEach { Issue.record(Comment(rawValue: $0)) }
    }

    /// A real holder (its lease renewed by its keeper) killed with SIGKILL in the middle of its
    /// uploads: the store holds a whole copy; the lock refuses others until the lease runs out
    /// — no longer — and then the next holder takes it and uploads.
    func killedHolder(store: any RoamingStore, location: String, credentials: String, _ findings: Findings,
                      copy: () throws -> Data?) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hk-killed-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // Two hives of 2 MB (an SMB reader recognises a whole one by its base block and bins).
        let files = try (0..<2).map { i -> URL in
            let f = work.appendingPathComponent("hive\(i)")
            let editor = try HiveEditor.create(path: f.path)
            try editor.setValue(of: editor.hive.baseBlock.rootCellOffset, named: "data", type: 3,
                                bytes: (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* (i + 3)) })
            try editor.flush()
            return f
        }
        let contents = try files.map { try Data(contentsOf: $0) }
        let lifetime = 2.0
        for round in 0..<2 {
            let child = try Actor(builtProduct("hivekeeper-crashtest"),
                                  ["lock-upload", location, credentials, "alice", "killed holder", "\(lifetime)"] + files.map(\.path))
            let first = child.lines.next(timeout: 30), second = child.lines.next(timeout: 30)
            findings.expect(first?.hasPrefix("locked") == true && second?.hasPrefix("uploaded") == true,
                            "round \(round): the holder said \(first ?? "nothing"), \(second ?? "nothing")")
            // Held longer than its lifetime: the renewals keep it.
            usleep(UInt32(lifetime * 1_000_000) + UInt32.random(in: 0...300_000))
            do {
                _ = try awaitFromThread { try await store.lock("alice", owner: "next", now: Date(), lifetime: 60) }
                findings.add("round \(round): the lock was taken while its holder renewed it")
            } catch is StoreLocked {}
            child.kill()
            let killed = Date()
            findings.expect(contents.contains(try copy() ?? Data()), "round \(round): the store holds a whole copy")
            var lease: StoreLease?
            while lease == nil && Date().timeIntervalSince(killed) < lifetime + 5 {
                lease = try? awaitFromThread { try await store.lock("alice", owner: "next", now: Date(), lifetime: 60) }
                if lease == nil { usleep(50_000) }
            }
            let waited = Date().timeIntervalSince(killed)
            guard let taken = lease else {
                findings.add("round \(round): the lock was not taken \(waited) s after the kill")
                continue
            }
            findings.expect(waited <= lifetime + 0.5, "round \(round): blocked \(waited) s, the lease being \(lifetime) s")
            let firstFile = files[0]
            try awaitFromThread { try await store.upload("alice", from: firstFile, beforeReplace: { try await store.check("alice", taken, now: Date()) }) }
            findings.expect(try copy() == contents[0], "round \(round): the next holder's upload is the store's copy")
            try awaitFromThread { await store.unlock("alice", taken) }
        }
    }

    /// Through the profile service: another machine's holder is SIGKILLed in the middle of its
    /// uploads; the next logoff finds the lock held, keeps its copy, and its retry takes the
    /// lock once the killed holder's lease ran out and uploads.
    @Test func theNextLogoffAfterAHolderKilledMidUpload() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-race-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        // Retries 0.6 s apart: eight of them outlast the killed holder's 2 s lease.
        let w = try World(sleep: { _ in try await Task.sleep(for: .milliseconds(600)) }, storeRoot: root)
        func session(_ color: String) async throws -> LogoffOutcome {
            let s = try await w.profiles.logon(w.alice)
            let p = w.machine.startProcess("/usr/bin/app", as: w.alice, session: s)
            let caller = try w.machine.caller(p.pid)
            let (k, _) = try w.registry.createKey(.currentUser, "Software\\Roaming", access: .keyAllAccess, as: caller)
            try w.registry.setValue(k, "Color", type: .string, data: w.utf16z(color), as: caller)
            try w.registry.closeKey(k, as: caller)
            w.machine.endProcess(p.pid)
            return try await w.profiles.logoff(session: s)
        }
        func roamed() throws -> String? {
            let hive = try Hive(bytes: Data(contentsOf: root.appendingPathComponent("alice.V6/NTUSER.DAT")))
            guard let k = try? hive.key(path: "Software\\Roaming"), let v = try hive.value(of: k, named: "Color") else { return nil }
            let b = try hive.data(of: v).bytes
            return String(decoding: stride(from: 0, to: b.count - 1, by: 2).map { UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8 }.prefix { $0 != 0 },
                          as: UTF16.self)
        }
        #expect(try await session("first").uploaded)
        let theirs = w.dir.appendingPathComponent("theirs")
        try FileManager.default.copyItem(at: root.appendingPathComponent("alice.V6/NTUSER.DAT"), to: theirs)
        let child = try Actor(builtProduct("hivekeeper-crashtest"),
                              ["lock-upload", root.path, "-", "alice", "another machine", "2", theirs.path])
        #expect(child.lines.next(timeout: 30)?.hasPrefix("locked") == true)
        #expect(child.lines.next(timeout: 30)?.hasPrefix("uploaded") == true)
        child.kill()
        let killed = Date()
        let outcome = try await session("second")
        #expect(!outcome.uploaded && outcome.uploadPending, "the killed holder's lease still runs")
        #expect(w.events.all.contains { $0.id == EventID.unableToCopy && $0.message.contains("locked by another machine") })
        for _ in 0..<200 where !w.ids.contains(EventID.uploadRetried) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(w.ids.contains(EventID.uploadRetried))
        // Soon after the 2 s lease (retries every 0.6 s; slack for a machine busy with other suites).
        #expect(Date().timeIntervalSince(killed) < 2 + 6, "taken soon after the lease, not later")
        #expect(try roamed() == "second")
    }

    @Test func aHolderKilledMidUploadOnADirectory() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-race-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let findings = Findings()
        try await onOwnThread {
            try killedHolder(store: DirectoryStore(root: root), location: root.path, credentials: "-", findings) {
                try? Data(contentsOf: root.appendingPathComponent("alice.V6/NTUSER.DAT"))
            }
        }
        findings.all.forEach { Issue.record(Comment(rawValue: $0)) }
    }

    @Test(.enabled(if: SambaServer.isAvailable, "needs root and Debian's samba"))
    func aHolderKilledMidUploadOverSMB() async throws {
        let server = try SambaServer()
        defer { server.remove() }
        let findings = Findings()
        try await onOwnThread {
            let store = try SMBStore(url: server.url + "/roaming", credentials: try SMBCredentials.load(file: server.credentialsFile),
                                     timeout: .seconds(5))
            let back = server.dir.appendingPathComponent("back")
            try killedHolder(store: store, location: server.url + "/roaming", credentials: server.credentialsFile, findings) {
                try? FileManager.default.removeItem(at: back)
                try awaitFromThread { try await store.download("alice", to: back) }
                return try Data(contentsOf: back)
            }
        }
        findings.all.forEach { Issue.record(Comment(rawValue: $0)) }
    }
}
