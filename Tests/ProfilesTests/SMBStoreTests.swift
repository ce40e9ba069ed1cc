import Foundation
import HiveFormat
import Locking
@testable import Profiles
@testable import RoamingSMB
import Testing
import TestSupport

/// SMBStore against a real smbd on 127.0.0.1 (docs/profiles.md "Roaming on an SMB share"):
/// byte-for-byte round trips, the replace that never leaves the share without a whole copy, the
/// lock, and each fault — unreachable, wrong password, an uploader or the server killed in the
/// middle of an upload.
@Suite(.serialized, .enabled(if: SambaServer.isAvailable, "needs root and Debian's samba"))
struct SMBStoreTests {
    let server: SambaServer
    let store: SMBStore
    let work: URL

    init() throws {
        server = try SambaServer()
        store = try SMBStore(url: server.url + "/roaming", credentials: try SMBCredentials.load(file: server.credentialsFile),
                             timeout: .seconds(5))
        work = FileManager.default.temporaryDirectory.appendingPathComponent("hk-smbtest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    func cleanUp() {
        server.remove()
        try? FileManager.default.removeItem(at: work)
    }

    /// A corpus hive copied here with a last-write time of our choosing.
    func localHive(_ corpus: String, written: Date) throws -> URL {
        let f = work.appendingPathComponent(UUID().uuidString)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: SharedCorpus.path(corpus)), to: f)
        chmod(f.path, 0o644)
        try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: f.path)
        return f
    }

    var shareDirectory: URL { server.file("roaming/alice.V6") }

    @Test(.enabled(if: SharedCorpus.isPresent))
    func aHiveRoundTripsByteForByte() async throws {
        defer { cleanUp() }
        #expect(try await store.copy(of: "alice") == nil, "nothing there yet")
        let written = Date(timeIntervalSince1970: 1_700_000_000.25)
        let first = try localHive("regipy/NTUSER.DAT", written: written)
        try await store.upload("alice", from: first)
        // The file the server keeps is the hive, byte for byte, with its last-write time.
        let onShare = shareDirectory.appendingPathComponent("NTUSER.DAT")
        #expect(try Data(contentsOf: onShare) == Data(contentsOf: first))
        let shareTime = try #require(try FileManager.default.attributesOfItem(atPath: onShare.path)[.modificationDate] as? Date)
        #expect(abs(shareTime.timeIntervalSince(written)) < 0.001)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shareDirectory.path) == ["NTUSER.DAT"], "no steps left behind")

        let copy = try #require(try await store.copy(of: "alice"))
        #expect(copy.size == (try Data(contentsOf: first)).count)
        #expect(abs(copy.lastWritten.timeIntervalSince(written)) < 0.001)
        #expect(store.location(of: "alice") == server.url + "/roaming/alice.V6/NTUSER.DAT")

        // Replacing it: the new copy, whole; downloading gives it back with its time.
        let second = try localHive("regipy/NTUSER_with_winscp.DAT", written: written.addingTimeInterval(60))
        try await store.upload("alice", from: second)
        #expect(try Data(contentsOf: onShare) == Data(contentsOf: second))
        let back = work.appendingPathComponent("back")
        try await store.download("alice", to: back)
        #expect(try Data(contentsOf: back) == Data(contentsOf: second))
        let backTime = try #require(try FileManager.default.attributesOfItem(atPath: back.path)[.modificationDate] as? Date)
        #expect(abs(backTime.timeIntervalSince(written.addingTimeInterval(60))) < 0.001)
        #expect(try await store.copy(of: "alice")?.hash == store.copy(of: "alice")?.hash)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shareDirectory.path) == ["NTUSER.DAT"])
    }

    /// An upload cut short between its steps: a reader takes the newest whole copy, never a
    /// partial one, and the next upload finishes the job.
    @Test(.enabled(if: SharedCorpus.isPresent))
    func aHalfDoneReplaceReadsTheNewestWholeCopy() async throws {
        defer { cleanUp() }
        let old = try localHive("regipy/NTUSER.DAT", written: Date(timeIntervalSince1970: 1_600_000_000))
        let new = try localHive("regipy/NTUSER_with_winscp.DAT", written: Date(timeIntervalSince1970: 1_700_000_000))
        try await store.upload("alice", from: old)
        let dir = shareDirectory
        // Written as the server would have: owned by the share's user.
        func put(_ name: String, _ data: Data, _ time: Date) throws {
            let path = dir.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: path)
            if let pw = getpwnam(server.user) { chown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        }
        let oldData = try Data(contentsOf: old), newData = try Data(contentsOf: new)

        // Cut after NTUSER.DAT became .previous, while the new copy was still being written.
        try FileManager.default.moveItem(at: dir.appendingPathComponent("NTUSER.DAT"), to: dir.appendingPathComponent("NTUSER.DAT.previous"))
        try put("NTUSER.DAT.upload", newData.prefix(newData.count / 2), Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try await store.copy(of: "alice")?.size == oldData.count, "the partial upload is not a copy")
        let back = work.appendingPathComponent("back")
        try await store.download("alice", to: back)
        #expect(try Data(contentsOf: back) == oldData)

        // Cut after the new copy was whole, before it was renamed into place: it is the newest.
        try put("NTUSER.DAT.upload", newData, Date(timeIntervalSince1970: 1_700_000_000))
        try await store.download("alice", to: back)
        #expect(try Data(contentsOf: back) == newData)

        // The next upload leaves NTUSER.DAT alone on the share.
        try await store.upload("alice", from: old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["NTUSER.DAT"])
        #expect(try Data(contentsOf: dir.appendingPathComponent("NTUSER.DAT")) == oldData)
    }

    /// The lock is created exclusively by the server, one generation after another; a live
    /// one refuses another owner, an expired one is taken over (its holder's check then fails),
    /// only its holder releases it, and a released one is taken at once.
    @Test func theLockIsTheServers() async throws {
        defer { cleanUp() }
        let now = Date()
        let one = try await store.lock("alice", owner: "one", now: now, lifetime: 60)
        let lockFile = shareDirectory.appendingPathComponent("NTUSER.DAT.lock.\(one.generation)")
        #expect(String(decoding: try Data(contentsOf: lockFile), as: UTF8.self).hasPrefix("one\n"))
        let other = try SMBStore(url: server.url + "/roaming", credentials: try SMBCredentials.load(file: server.credentialsFile))
        await #expect(throws: StoreLocked.self) { try await other.lock("alice", owner: "two", now: now, lifetime: 60) }
        // Renewed before its margin, it stays one's past its first expiry.
        let renewed = try await store.renew("alice", one, now: now.addingTimeInterval(30))
        await #expect(throws: StoreLocked.self) { try await other.lock("alice", owner: "two", now: now.addingTimeInterval(61), lifetime: 60) }
        // Past its expiry, "one" crashed or hung: "two" takes over the next generation, and
        // one's check (even by a clock that lags) says it lost.
        let two = try await other.lock("alice", owner: "two", now: now.addingTimeInterval(91), lifetime: 60)
        #expect(two.generation == one.generation + 1)
        await #expect(throws: LeaseLost.self) { try await store.check("alice", renewed, now: now.addingTimeInterval(31)) }
        await #expect(throws: LeaseLost.self) { try await store.renew("alice", renewed, now: now.addingTimeInterval(31)) }
        await store.unlock("alice", renewed)
        try await other.check("alice", two, now: now.addingTimeInterval(91))
        #expect(try FileManager.default.contentsOfDirectory(atPath: shareDirectory.path) == ["NTUSER.DAT.lock.\(two.generation)"],
                "the superseded generation is cleared")
        await other.unlock("alice", two)
        let three = try await store.lock("alice", owner: "one", now: now.addingTimeInterval(92), lifetime: 60)
        #expect(three.generation == two.generation + 1, "a released lock is taken at once")
        await store.unlock("alice", three)
    }

    /// A holder whose lock was taken over while it wrote its staged upload: its check before
    /// the first replacing step fails, the share keeps the newer holder's copy, and the stage is
    /// removed.
    @Test(.enabled(if: SharedCorpus.isPresent))
    func aLostLeaseReplacesNothing() async throws {
        defer { cleanUp() }
        let theirs = try localHive("regipy/NTUSER.DAT", written: Date(timeIntervalSince1970: 1_700_000_000))
        let mine = try localHive("regipy/NTUSER_with_winscp.DAT", written: Date(timeIntervalSince1970: 1_700_000_100))
        let now = Date()
        let lease = try await store.lock("alice", owner: "one", now: now, lifetime: 60)
        let other = try SMBStore(url: server.url + "/roaming", credentials: try SMBCredentials.load(file: server.credentialsFile))
        let newer = try await other.lock("alice", owner: "two", now: now.addingTimeInterval(61), lifetime: 60)
        try await other.upload("alice", from: theirs, beforeReplace: { try await other.check("alice", newer, now: now.addingTimeInterval(61)) })
        // Its first check (before staging) passed; the lock was lost while it wrote the stage.
        let checks = Locked(0)
        let store = self.store
        await #expect(throws: LeaseLost.self) {
            try await store.upload("alice", from: mine, beforeReplace: {
                if checks.withLock({ $0 += 1; return $0 }) > 1 { try await store.check("alice", lease, now: now.addingTimeInterval(1)) }
            })
        }
        #expect(checks.withLock { $0 } == 2, "stopped at the check after the stage was written")
        #expect(try Data(contentsOf: shareDirectory.appendingPathComponent("NTUSER.DAT")) == Data(contentsOf: theirs))
        #expect(try FileManager.default.contentsOfDirectory(atPath: shareDirectory.path).sorted()
                == ["NTUSER.DAT", "NTUSER.DAT.lock.\(newer.generation)"])
        await other.unlock("alice", newer)
    }

    @Test func aWrongPasswordIsAClearError() async throws {
        defer { cleanUp() }
        let wrong = try SMBStore(url: server.url + "/roaming", credentials: SMBCredentials(username: server.user, password: "wrong"))
        let error = try await #require(throws: SMBError.self) { try await wrong.copy(of: "alice") }
        #expect(error.description.contains("access denied"), "\(error)")
        #expect(error.description.contains(server.url), "the error names the store: \(error)")
        #expect(!error.isUnreachable)
    }

    @Test func aStoppedServerIsUnreachableAndComesBack() async throws {
        defer { cleanUp() }
        let lease = try await store.lock("alice", owner: "one", now: Date(), lifetime: 60)
        server.stop()
        let error = try await #require(throws: SMBError.self) { try await store.copy(of: "alice") }
        #expect(error.isUnreachable, "\(error)")
        #expect(error.description.contains("cannot be reached"), "\(error)")
        // The same store works again once the server is back (libsmbclient reconnects).
        try server.start()
        #expect(try await store.copy(of: "alice") == nil)
        await store.unlock("alice", lease)
    }

    /// A server that stops answering (SIGSTOP) is unreachable after the timeout, not a hang.
    @Test func aServerThatStopsAnsweringTimesOut() async throws {
        defer { cleanUp() }
        let impatient = try SMBStore(url: server.url + "/roaming", credentials: try SMBCredentials.load(file: server.credentialsFile),
                                     timeout: .seconds(1))
        #expect(try await impatient.copy(of: "alice") == nil)
        server.signal(SIGSTOP)
        defer { server.signal(SIGCONT) }
        let started = Date()
        let error = try await #require(throws: SMBError.self) { try await impatient.copy(of: "alice") }
        #expect(error.isUnreachable, "\(error)")
        #expect(Date().timeIntervalSince(started) < 10, "bounded by the timeout")
    }

    /// The uploader killed at random moments, then smbd killed at random moments under a
    /// running uploader: afterwards the share always reads as one of the two files, whole.
    @Test(.enabled(if: SharedCorpus.isPresent))
    func killsInTheMiddleOfUploadsNeverLeaveAPartialCopy() async throws {
        defer { cleanUp() }
        let files = ["regipy/NTUSER.DAT", "regipy/NTUSER_BAGMRU.DAT"].map { SharedCorpus.path($0) }
        let contents = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        var random = SystemRandomNumberGenerator()
        func whole() async throws {
            let back = work.appendingPathComponent("back")
            try await store.download("alice", to: back)
            #expect(contents.contains(try Data(contentsOf: back)), "the share holds a whole copy")
        }
        for round in 0..<16 {
            let killServer = round >= 8
            let child = try Actor(builtProduct("hivekeeper-crashtest"),
                                  ["smb-upload", server.url + "/roaming", server.credentialsFile, "alice"] + files)
            if round == 0 { #expect(child.lines.next(timeout: 30)?.hasPrefix("uploaded") == true) }
            usleep(UInt32.random(in: 0...300_000, using: &random))
            if killServer {
                server.stop(SIGKILL)
                usleep(100_000)
                try server.start()
            }
            child.kill()
            try await whole()
        }
    }

    @Test func credentialsFilesAreChecked() throws {
        defer { cleanUp() }
        let c = try SMBCredentials.parse("username = bob\r\npassword =  two words \n# comment\ndomain=WG\n", file: "f")
        #expect(c == SMBCredentials(username: "bob", password: "two words ", domain: "WG"))
        #expect(throws: SMBError.self) { try SMBCredentials.parse("user = bob\n", file: "f") }
        let f = work.appendingPathComponent("creds")
        try "username = bob\npassword = x\n".write(to: f, atomically: true, encoding: .utf8)
        chmod(f.path, 0o644)
        let error = try #require(throws: SMBError.self) { try SMBCredentials.load(file: f.path) }
        #expect(error.description.contains("chmod 600"), "\(error)")
        #expect(throws: SMBError.self) { try SMBStore(url: "smb://host", credentials: c) }
        #expect(throws: SMBError.self) { try SMBStore(url: "/srv/profiles", credentials: c) }
    }

    @Test func aMissingLibraryNamesThePackage() throws {
        defer { cleanUp() }
        let error = try #require(throws: SMBError.self) { try SMBClientLibrary(soname: "libsmbclient-absent.so.0") }
        #expect(error.description.contains("apt-get install libsmbclient"), "\(error)")
    }
}
