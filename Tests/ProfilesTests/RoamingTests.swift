import Foundation
import HiveFormat
import Locking
import Profiles
import Registry
import RegistryTypes
import Security
import Testing

/// Roaming between machines (docs/profiles.md "Roaming between machines"): two ProfileService
/// instances — two machines, each with its own registry and local profile — on one store.
@Suite(.serialized) struct RoamingTests {
    let store: URL
    let one: World
    let two: World

    init() throws {
        store = FileManager.default.temporaryDirectory.appendingPathComponent("hk-roam-\(UUID().uuidString.prefix(8))")
        one = try World(sleep: { _ in try await Task.sleep(for: .milliseconds(20)) }, storeRoot: store)
        two = try World(sleep: { _ in try await Task.sleep(for: .milliseconds(20)) }, storeRoot: store)
        one.machineName = "one"
        two.machineName = "two"
    }

    func cleanUp() { try? FileManager.default.removeItem(at: store) }

    /// alice's session on `w`: `body` runs as her program, then she logs off.
    @discardableResult
    func session(on w: World, _ body: (RegistryCaller) throws -> Void = { _ in }) async throws -> LogoffOutcome {
        let s = try await w.profiles.logon(w.alice)
        try edit(on: w, session: s, body)
        return try await w.profiles.logoff(session: s)
    }

    func edit(on w: World, session: Int, _ body: (RegistryCaller) throws -> Void) throws {
        let p = w.machine.startProcess("/usr/bin/app", as: w.alice, session: session)
        try body(try w.machine.caller(p.pid))
        w.machine.endProcess(p.pid)
    }

    func set(_ w: World, _ caller: RegistryCaller, _ key: String, _ name: String, _ text: String) throws {
        let (k, _) = try w.registry.createKey(.currentUser, key, access: .keyAllAccess, as: caller)
        try w.registry.setValue(k, name, type: .string, data: w.utf16z(text), as: caller)
        try w.registry.closeKey(k, as: caller)
    }

    /// The store's copy: a value's text, or nil when the key or value is absent.
    func roamed(_ key: String, _ name: String) throws -> String? {
        let hive = try Hive(bytes: Data(contentsOf: store.appendingPathComponent("alice.V6/NTUSER.DAT")))
        guard let k = try? hive.key(path: key), let v = try hive.value(of: k, named: RegistryName(name)) else { return nil }
        let b = try hive.data(of: v).bytes
        return String(decoding: stride(from: 0, to: b.count - 1, by: 2).map { UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8 }.prefix { $0 != 0 },
                      as: UTF16.self)
    }

    /// Both machines logged on with the same roaming copy; `first` logs off, then `second`.
    func overlapping(first: (RegistryCaller) throws -> Void, second: (RegistryCaller) throws -> Void) async throws {
        try await session(on: one) { c in
            try set(one, c, "Software\\Base", "v", "base")
            try set(one, c, "Software\\Gone", "g", "1")
            try set(one, c, "Software\\Kept", "k", "1")
        }
        let s1 = try await one.profiles.logon(one.alice)
        let s2 = try await two.profiles.logon(two.alice)
        try edit(on: one, session: s1, first)
        try edit(on: two, session: s2, second)
        _ = try await one.profiles.logoff(session: s1)
        _ = try await two.profiles.logoff(session: s2)
    }

    /// A store copy nobody changed since logon is known by its size and last-write time: neither
    /// the logon nor the logoff reads it whole (on an SMB share that is the whole hive again).
    @Test func anUnchangedCopyIsKnownByItsStamp() async throws {
        defer { cleanUp() }
        try await session(on: one) { c in try set(one, c, "Software\\A", "a", "1") }
        try await session(on: one) { c in try set(one, c, "Software\\A", "a", "2") }
        #expect(one.store.downloads == 0 && one.store.wholeReads == 0, "its own upload is its base: nothing fetched again")
        try await session(on: two) { c in try set(two, c, "Software\\B", "b", "2") }
        #expect(two.store.wholeReads == 0, "the first upload found no copy; the second session's logon and logoff read stamps only")
        // One logs on; two logs on and off meanwhile: one's logoff finds the copy changed and
        // reads it whole, once.
        let s1 = try await one.profiles.logon(one.alice)
        try await session(on: two) { c in try set(two, c, "Software\\C", "c", "3") }
        _ = try await one.profiles.logoff(session: s1)
        #expect(one.store.wholeReads == 1)
        #expect(one.events.all.contains { $0.id == EventID.roamingOverwritten }, "and the change was noticed")
    }

    /// Windows' way, the default: the second logoff overwrites the first's changes, and says so.
    @Test func lastWriterWinsSaysWhatItOverwrote() async throws {
        defer { cleanUp() }
        try await overlapping(first: { c in try set(one, c, "Software\\One", "x", "1") },
                              second: { c in try set(two, c, "Software\\Two", "y", "2") })
        #expect(try roamed("Software\\Two", "y") == "2")
        #expect(try roamed("Software\\One", "x") == nil, "machine one's change is lost, as on Windows")
        let e = try #require(two.events.all.first { $0.id == EventID.roamingOverwritten })
        #expect(e.details.first?.hasPrefix("overwritten: written ") == true)
        #expect(!one.events.all.contains { $0.id == EventID.roamingOverwritten }, "the first logoff replaced what it fetched")
    }

    /// `merge`: disjoint changes both survive; nothing conflicts.
    @Test func disjointChangesMerge() async throws {
        defer { cleanUp() }
        two.roamingConflicts = .merge
        try await overlapping(first: { c in try set(one, c, "Software\\One", "x", "1") },
                              second: { c in try set(two, c, "Software\\Two", "y", "2") })
        #expect(try roamed("Software\\One", "x") == "1")
        #expect(try roamed("Software\\Two", "y") == "2")
        #expect(try roamed("Software\\Base", "v") == "base")
        let e = try #require(two.events.all.first { $0.id == EventID.roamingMerged })
        #expect(e.message.contains("0 conflicts"))
    }

    /// The same value changed on both machines: the one logging off wins, and the event lists
    /// the conflict with both datas.
    @Test func theSameValueChangedOnBothIsAConflictTheLaterLogoffWins() async throws {
        defer { cleanUp() }
        two.roamingConflicts = .merge
        try await overlapping(first: { c in try set(one, c, "Software\\Base", "v", "one") },
                              second: { c in try set(two, c, "Software\\Base", "v", "two") })
        #expect(try roamed("Software\\Base", "v") == "two")
        let e = try #require(two.events.all.first { $0.id == EventID.roamingMerged })
        #expect(e.message.contains("1 conflict,"))
        #expect(e.details.contains("Software\\Base value v: here \"two\", there \"one\""), "\(e.details)")
    }

    /// A key deleted on one machine stays deleted when the other left it alone; when the other
    /// changed something under it, the key is kept and the conflict reported.
    @Test func deletionsMergeUnlessTheOtherSideChangedTheKey() async throws {
        defer { cleanUp() }
        two.roamingConflicts = .merge
        try await overlapping(first: { c in
            try one.registry.deleteTree(.currentUser, "Software\\Gone", as: c)
            try one.registry.deleteTree(.currentUser, "Software\\Kept", as: c)
        }, second: { c in
            try set(two, c, "Software\\Kept", "k2", "new")
        })
        #expect(try roamed("Software\\Gone", "g") == nil)
        #expect(try roamed("Software\\Kept", "k2") == "new")
        let e = try #require(two.events.all.first { $0.id == EventID.roamingMerged })
        #expect(e.details.contains("Software\\Kept: here changed, there deleted"), "\(e.details)")
    }

    /// A lock whose owner crashed expires and is taken over; a live one makes the upload wait
    /// (the local copy is kept, the upload retried) and nothing is lost once it goes.
    @Test func aStaleLockExpiresAndALiveOneOnlyDelays() async throws {
        defer { cleanUp() }
        try await session(on: one) { c in try set(one, c, "Software\\Base", "v", "first") }
        let other = DirectoryStore(root: store)
        // Taken 200 s ago for 120 s by a machine that crashed.
        _ = try await other.lock("alice", owner: "crashed machine", now: Date().addingTimeInterval(-200), lifetime: 120)
        let stale = try await session(on: one) { c in try set(one, c, "Software\\Base", "v", "second") }
        #expect(stale.uploaded)
        #expect(try roamed("Software\\Base", "v") == "second")

        let busy = try await other.lock("alice", owner: "busy machine", now: Date(), lifetime: 3600)
        let held = try await session(on: one) { c in try set(one, c, "Software\\Base", "v", "third") }
        #expect(!held.uploaded && held.uploadPending)
        #expect(one.events.all.contains { $0.id == EventID.unableToCopy && $0.message.contains("locked by busy machine") })
        #expect(try roamed("Software\\Base", "v") == "second")
        // The holder is done: the retry uploads what was kept.
        await other.unlock("alice", busy)
        try await one.waitForEvent(EventID.uploadRetried)
        #expect(try roamed("Software\\Base", "v") == "third")
    }

    /// Another machine takes the lock over while this one uploads (this one's lease looked
    /// expired to it): this one's check before the replace fails, it writes nothing over the
    /// newer holder's copy, says so (9620) and retries; the retry finds the store changed and
    /// merges, so both machines' changes end in the store.
    @Test func aHolderThatLostItsLeaseStopsBeforeItsReplace() async throws {
        defer { cleanUp() }
        one.roamingConflicts = .merge
        try await session(on: one) { c in try set(one, c, "Software\\Base", "v", "base") }
        let s = try await one.profiles.logon(one.alice)
        try edit(on: one, session: s) { c in try set(one, c, "Software\\Mine", "m", "one's") }
        // Meanwhile two logs on and changes something; its logoff finds the store away, so
        // its copy stays local for now.
        let s2 = try await two.profiles.logon(two.alice)
        try edit(on: two, session: s2) { c in try set(two, c, "Software\\Theirs", "t", "two's") }
        two.store.setUnreachable(true)
        _ = try await two.profiles.logoff(session: s2)
        let twoCopy = two.layout.userHive("alice")
        // Then, during one's upload, two — judging one's lock expired (a clock far ahead) —
        // takes it over and uploads.
        let other = DirectoryStore(root: store)
        let taken = Taken()
        one.store.beforeNextUpload {
            let later = Date().addingTimeInterval(10_000)
            guard let lease = try? await other.lock("alice", owner: "two", now: later, lifetime: 120) else { return }
            try? await other.upload("alice", from: twoCopy, beforeReplace: { try await other.check("alice", lease, now: later) })
            await other.unlock("alice", lease)
            taken.set()
        }
        let outcome = try await one.profiles.logoff(session: s)
        #expect(taken.done, "two took the lock over")
        #expect(!outcome.uploaded && outcome.uploadPending)
        let lost = one.events.all.first { $0.id == EventID.storeLockLost }
        #expect(lost?.details.first?.contains("generation") == true, "\(String(describing: lost))")
        // The retry: merged with two's copy, both sides kept.
        try await one.waitForEvent(EventID.uploadRetried)
        #expect(one.ids.contains(EventID.roamingMerged))
        #expect(try roamed("Software\\Mine", "m") == "one's")
        #expect(try roamed("Software\\Theirs", "t") == "two's", "two's change survived")
    }
}

private final class Taken: Sendable {
    private let value = Locked(false)
    func set() { value.withLock { $0 = true } }
    var done: Bool { value.withLock { $0 } }
}
