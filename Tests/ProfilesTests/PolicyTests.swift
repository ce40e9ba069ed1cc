import Foundation
import HiveFormat
import Profiles
import Registry
import RegistryTypes
import Security
import TestSupport
import Testing

/// The seed's story under each policy, a store that fails, temporary and corrupt profiles
/// (issue "Profiles, resilient").
struct PolicyTests {
    /// alice logs on and sets Software\Demo\Color; a service impersonates her and opens
    /// HKCU\Software (binding its HKCU cache). Returns the session, the service and its handle.
    func seed(_ w: World) async throws -> (session: Int, service: RunningProcess, handle: KeyHandle) {
        let registry = w.registry, machine = w.machine
        let session = try await w.profiles.logon(w.alice)
        let shell = machine.startProcess("/usr/bin/explorer", as: w.alice, session: session)
        let (demo, _) = try registry.createKey(.currentUser, "Software\\Demo", access: .keyAllAccess, as: machine.caller(shell.pid))
        try registry.setValue(demo, "Color", type: .string, data: w.utf16z("blue"), as: machine.caller(shell.pid))
        let service = machine.startService("Contoso", executable: "/usr/lib/contoso", as: w.serviceAccount) { _ in }
        let h = try await machine.impersonate(w.alice, in: service.pid) {
            try registry.openKey(.currentUser, "Software", access: .keyAllAccess, as: machine.caller(service.pid))
        }
        return (session, service, h)
    }

    func roamedColor(_ w: World) throws -> [UInt8]? {
        let f = w.dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT")
        guard FileManager.default.fileExists(atPath: f.path) else { return nil }
        let hive = try Hive(bytes: Data(contentsOf: f))
        guard let v = try hive.value(of: hive.key(path: "Software\\Demo"), named: "Color") else { return nil }
        return try hive.data(of: v).bytes
    }

    /// `wait` (DisableForceUnload): the hive stays loaded and is not uploaded; the service keeps
    /// working; when its last reference goes the hive unloads and uploads at once (9541).
    @Test func waitKeepsTheHiveUntilTheLastReferenceGoes() async throws {
        let w = try World()
        let (session, service, h) = try await seed(w)
        let outcome = try await w.profiles.logoff(session: session, policy: .wait)
        guard case .waiting = outcome.unload else { Issue.record("\(outcome.unload)"); return }
        #expect(!outcome.uploaded && w.registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)"))
        let asService = try w.machine.caller(service.pid)
        #expect(try w.registry.queryInfoKey(h, as: asService).subkeyCount >= 1)
        #expect(try roamedColor(w) == nil)
        try w.registry.closeKey(h, as: asService)
        #expect(!w.ids.contains(EventID.deferredUnloadDone))  // the HKCU cache still holds it
        w.machine.endProcess(service.pid)
        try await w.waitForEvent(EventID.deferredUnloadDone)
        #expect(!w.registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)"))
        #expect(try roamedColor(w) == w.utf16z("blue"))
        #expect(w.ids.filter { [1530, 9540, 9003, 6, 7, 9541].contains($0) } == [1530, 9540, 9003, 6, 7, 9541])
        // 1530 keeps Windows' words but does not leave "unloaded now" standing beside 9540.
        let stillInUse = try #require(w.events.all.first { $0.id == 1530 }?.message)
        #expect(stillInUse.hasPrefix("Windows detected your registry file is still in use"))
        #expect(stillInUse.contains("the file is not unloaded by force") && stillInUse.contains("until these references close"))
    }

    /// The DisableForceUnload value Windows reads ([CSP]) selects `wait` without an override.
    @Test func disableForceUnloadSelectsWait() async throws {
        let w = try World()
        let system = w.machine.startProcess("/usr/lib/gp", as: .system)
        let (k, _) = try w.registry.createKey(.localMachine, "SOFTWARE\\Policies\\Microsoft\\Windows\\System",
                                              access: .keyAllAccess, as: w.machine.caller(system.pid))
        try w.registry.setValue(k, "DisableForceUnload", type: .dword, data: [1, 0, 0, 0], as: w.machine.caller(system.pid))
        let (session, _, _) = try await seed(w)
        let outcome = try await w.profiles.logoff(session: session)
        guard case .waiting = outcome.unload else { Issue.record("\(outcome.unload)"); return }
        // A logon now reuses the hive that waited.
        _ = try await w.profiles.logon(w.alice)
        #expect(w.events.all.filter { $0.id == EventID.hiveLoaded }.count == 1)
    }

    /// `snapshot`: the service's handle and its HKCU cache now read a read-only copy as it was
    /// at logoff — values it knew, writes ERROR_KEY_DELETED — while the real hive unloads and
    /// uploads now; the copy goes when the service lets go.
    @Test func snapshotKeepsReadersReadingAndUnloadsNow() async throws {
        let w = try World()
        let registry = w.registry
        let (session, service, h) = try await seed(w)
        let outcome = try await w.profiles.logoff(session: session, policy: .snapshot)
        guard case let .snapshot(moved) = outcome.unload else { Issue.record("\(outcome.unload)"); return }
        #expect(moved.entries.count == 2 && outcome.uploaded)
        #expect(try roamedColor(w) == w.utf16z("blue"))
        #expect(!registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)"))
        let asService = try w.machine.caller(service.pid)
        // Opening below checks the copy's descriptors (alice's), so the service impersonates her.
        try await w.machine.impersonate(w.alice, in: service.pid) {
            let asAlice = try w.machine.caller(service.pid)
            let demo = try registry.openKey(h, "Demo", access: .keyRead, as: asAlice)
            #expect(try registry.queryValue(demo, "Color", as: asAlice).data == w.utf16z("blue"))
            let viaCache = try registry.openKey(.currentUser, "Software\\Demo", access: .keyRead, as: asAlice)
            #expect(try registry.queryValue(viaCache, "Color", as: asAlice).data == w.utf16z("blue"))
        }
        #expect(throws: Win32Error.keyDeleted) { try registry.setValue(h, "x", type: .dword, data: [1, 0, 0, 0], as: asService) }
        #expect(throws: Win32Error.keyDeleted) { _ = try registry.createKey(h, "New", access: .keyRead, as: asService) }
        #expect(registry.loadedHives.contains { $0.contains("(snapshot") })
        w.machine.endProcess(service.pid)
        #expect(!registry.loadedHives.contains { $0.contains("(snapshot") })
        #expect(w.ids.contains(EventID.movedToSnapshot) && !w.ids.contains(EventID.forcedUnloadBroke))
    }

    /// A failed upload keeps the local copy, records 1509 and 1504, and is retried with backoff
    /// until it succeeds (9560); nothing is lost.
    @Test func aFailedUploadIsRetriedUntilItWorks() async throws {
        let w = try World()
        let (session, service, h) = try await seed(w)
        try w.registry.closeKey(h, as: w.machine.caller(service.pid))
        w.machine.endProcess(service.pid)
        w.store.failNextUploads(3)
        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.unload == .clean && !outcome.uploaded && outcome.uploadPending)
        #expect(w.ids.contains(EventID.unableToCopy) && w.ids.contains(EventID.cannotUpdateRoaming))
        try await w.waitForEvent(EventID.uploadRetried)
        #expect(try roamedColor(w) == w.utf16z("blue"))
        // Backoff: the delays double from the first.
        let delays = w.slept.all
        #expect(delays.prefix(3) == [.seconds(5), .seconds(10), .seconds(20)])
    }

    /// An unreachable store at logon: the local copy is used (1506); at logoff the upload fails
    /// and is retried; when the store is back the upload happens.
    @Test func anUnreachableStoreLeavesTheLocalCopy() async throws {
        let w = try World(sleep: { _ in try await Task.sleep(for: .milliseconds(20)) })
        var session = try await w.profiles.logon(w.alice)
        _ = try await w.profiles.logoff(session: session)  // local and roaming copies now exist
        w.store.setUnreachable(true)
        session = try await w.profiles.logon(w.alice)
        #expect(w.ids.contains(EventID.roamingUnavailable))
        let shell = w.machine.startProcess("/usr/bin/sh", as: w.alice, session: session)
        let (demo, _) = try w.registry.createKey(.currentUser, "Software\\Demo", access: .keyAllAccess, as: w.machine.caller(shell.pid))
        try w.registry.setValue(demo, "Color", type: .string, data: w.utf16z("green"), as: w.machine.caller(shell.pid))
        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.uploadPending)
        w.store.setUnreachable(false)
        try await w.waitForEvent(EventID.uploadRetried)
        #expect(try roamedColor(w) == w.utf16z("green"))
    }

    /// Pending work survives the service: a logoff whose upload failed leaves its entry in
    /// STATE/pending; the next ProfileService on the same state (a restart) uploads it at start
    /// and clears the entry. A logoff that finished leaves none.
    @Test func anInterruptedUploadIsFinishedAtTheNextStart() async throws {
        let w = try World(sleep: { _ in try await Task.sleep(for: .seconds(3600)) })  // no retry comes
        var session = try await w.profiles.logon(w.alice)
        _ = try await w.profiles.logoff(session: session)
        let pending = PendingWork(directory: w.layout.pendingWork)
        #expect(pending.all().isEmpty, "a finished logoff leaves nothing pending")

        session = try await w.profiles.logon(w.alice)
        let shell = w.machine.startProcess("/usr/bin/sh", as: w.alice, session: session)
        let (demo, _) = try w.registry.createKey(.currentUser, "Software\\Demo", access: .keyAllAccess, as: w.machine.caller(shell.pid))
        try w.registry.setValue(demo, "Color", type: .string, data: w.utf16z("green"), as: w.machine.caller(shell.pid))
        w.store.setUnreachable(true)
        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.uploadPending)
        #expect(pending.all().map(\.user) == ["alice"] && pending.all().first?.stage == .upload)
        // A damaged record is still a record: resumed as the whole logoff, and said.
        try Data([0xFF, 0xFE, 0x00]).write(to: w.layout.pendingWork.appendingPathComponent("alice"))
        #expect(pending.all().first?.stage == .logoff && pending.all().first?.unreadable != nil)

        // The restart: a new service on the same state; the store is back.
        w.store.setUnreachable(false)
        let restarted = ProfileService(machine: w.machine, layout: w.layout, store: w.store, events: w.events)
        #expect(await restarted.resumePendingWork() == ["alice"])
        #expect(try roamedColor(w) == w.utf16z("green"))
        #expect(pending.all().isEmpty)
        #expect(w.ids.suffix(3) == [EventID.resumedAfterRestart, EventID.synchronizeStarted, EventID.synchronizeFinished])
        let resumedEvent = try #require(w.events.all.last { $0.id == EventID.resumedAfterRestart })
        #expect(resumedEvent.details.first?.contains("its record is damaged") == true, "\(resumedEvent.details)")
    }

    /// No usable copy (store unreachable, nothing local): a temporary profile from Default User
    /// (1511), discarded at logoff, never uploaded.
    @Test func aMissingProfileGivesATemporaryOne() async throws {
        let w = try World()
        w.store.setUnreachable(true)
        let session = try await w.profiles.logon(w.alice)
        #expect(w.ids.contains(EventID.temporaryProfile))
        #expect(FileManager.default.fileExists(atPath: w.layout.temporaryProfile("alice").path))
        w.store.setUnreachable(false)
        let outcome = try await w.profiles.logoff(session: session)
        #expect(!outcome.uploaded && !outcome.uploadPending && w.ids.contains(EventID.temporaryDiscarded))
        #expect(!FileManager.default.fileExists(atPath: w.layout.temporaryProfile("alice").path))
        #expect(try roamedColor(w) == nil)
    }

    /// A corrupt NTUSER.DAT: backed up (1515); with no log to recover it from, a temporary profile
    /// (1502, 1511); the roaming copy is left alone.
    @Test func aCorruptProfileIsBackedUpAndReplacedByATemporaryOne() async throws {
        let w = try World()
        var session = try await w.profiles.logon(w.alice)
        _ = try await w.profiles.logoff(session: session)
        let local = w.layout.userHive("alice")
        let roamingBefore = try Data(contentsOf: w.dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT"))
        try Data(repeating: 0x5A, count: 8192).write(to: local)
        for log in ["NTUSER.DAT.LOG1", "NTUSER.DAT.LOG2"] {
            try? FileManager.default.removeItem(at: local.deletingLastPathComponent().appendingPathComponent(log))
        }
        // Make the corrupt local copy the newer one, so logon uses it.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(120)], ofItemAtPath: local.path)
        session = try await w.profiles.logon(w.alice)
        #expect(w.ids.contains(EventID.profileBackedUp) && w.ids.contains(EventID.cannotLoadLocalProfile))
        #expect(w.ids.contains(EventID.temporaryProfile))
        #expect(FileManager.default.fileExists(atPath: local.deletingLastPathComponent().appendingPathComponent("NTUSER.DAT.bak").path))
        _ = try await w.profiles.logoff(session: session)
        #expect(try Data(contentsOf: w.dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT")) == roamingBefore)
    }
}

/// A dirty NTUSER.DAT with its logs (a Windows-made hive from the shared corpus): loading it
/// applies the logs (event 9580) and the recovered keys are there.
@Test(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
func aDirtyProfileIsRecoveredFromItsLogs() async throws {
    let w = try World()
    let dir = w.layout.profile("alice")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let source = SharedCorpus.path("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive")
    for (from, to) in [("", "NTUSER.DAT"), (".LOG1", "NTUSER.DAT.LOG1"), (".LOG2", "NTUSER.DAT.LOG2")] {
        try FileManager.default.copyItem(atPath: source + from, toPath: dir.appendingPathComponent(to).path)
    }
    _ = try await w.profiles.logon(w.alice)
    #expect(w.ids.contains(EventID.recoveredFromLogs) && !w.ids.contains(EventID.temporaryProfile))
    // The load's event says what the logs gave.
    let loaded = try #require(w.events.all.first { $0.id == EventID.hiveLoaded })
    #expect(loaded.details.contains { $0.contains("NTUSER.DAT: the hive was dirty: 4 log entries") }, "\(loaded.details)")
    let system = w.machine.startProcess("/usr/lib/admin", as: .system)
    let k = try w.registry.openKey(.users, "\(w.alice.sid)\\Key3\\Key3_1", access: .keyRead, as: w.machine.caller(system.pid))
    try w.registry.closeKey(k, as: w.machine.caller(system.pid))
}

/// The same dirty NTUSER.DAT with LOG2 (entries 3-5) overwritten by bytes that are no log: the
/// profile is not loaded from LOG1 alone; the event that says so names LOG2 and why.
@Test(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
func aDirtyProfileWithAnUnreadableLogIsNotLoadedHalfRecovered() async throws {
    let w = try World()
    let dir = w.layout.profile("alice")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let source = SharedCorpus.path("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive")
    for (from, to) in [("", "NTUSER.DAT"), (".LOG1", "NTUSER.DAT.LOG1")] {
        try FileManager.default.copyItem(atPath: source + from, toPath: dir.appendingPathComponent(to).path)
    }
    try Data(repeating: 0x5A, count: 8192).write(to: dir.appendingPathComponent("NTUSER.DAT.LOG2"))
    _ = try await w.profiles.logon(w.alice)
    #expect(!w.ids.contains(EventID.recoveredFromLogs) && w.ids.contains(EventID.temporaryProfile))
    let failed = try #require(w.events.all.first { $0.id == EventID.cannotLoadLocalProfile })
    #expect(failed.details.contains { $0.contains("NTUSER.DAT.LOG2 exists but cannot be read") }, "\(failed.details)")
}
