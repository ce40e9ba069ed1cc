import Foundation
import HiveFormat
import Profiles
import Registry
import RegistryTypes
import Security
import Testing

/// The logoff's other paths, logon's choice of copy, and loadUserProfile's counting.
struct LogoffTests {
    /// A sleep that lasts until cancelled (the grace period never passes by itself).
    static let forever: @Sendable (Duration) async throws -> Void = { _ in try await Task.sleep(for: .seconds(3600)) }

    /// The grace period finishes at once when the references drop to zero.
    @Test func theWaitEndsWhenTheLastReferenceCloses() async throws {
        let w = try World(sleep: Self.forever)
        let registry = w.registry, machine = w.machine
        let session = try await w.profiles.logon(w.alice)
        let service = machine.startService("Slow", executable: "/usr/lib/slow", as: w.serviceAccount) { _ in }
        let h = try await machine.impersonate(w.alice, in: service.pid) {
            try registry.openKey(.users, w.alice.sid.description + "\\Software", access: .keyRead, as: machine.caller(service.pid))
        }
        let profiles = w.profiles
        let logoff = Task { try await profiles.logoff(session: session) }
        try await w.waitForEvent(EventID.gracePeriod)
        try registry.closeKey(h, as: machine.caller(service.pid))  // the service cleans up late
        let outcome = try await logoff.value
        #expect(outcome.unload == .afterWaiting && outcome.uploaded)
        #expect(outcome.leakReport?.entries.count == 1)
        #expect(!w.ids.contains(EventID.forcedUnloadBroke))
    }

    /// A logon during a pending logoff reuses the loaded hive and cancels the unload; the
    /// service's handle keeps working.
    @Test func aSecondLogonReusesAHiveStillWaiting() async throws {
        let w = try World(sleep: Self.forever)
        let registry = w.registry, machine = w.machine
        let first = try await w.profiles.logon(w.alice)
        let service = machine.startService("Holder", executable: "/usr/lib/holder", as: w.serviceAccount) { _ in }
        let h = try await machine.impersonate(w.alice, in: service.pid) {
            try registry.openKey(.users, w.alice.sid.description, access: .keyRead, as: machine.caller(service.pid))
        }
        let profiles = w.profiles
        let logoff = Task { try await profiles.logoff(session: first) }
        try await w.waitForEvent(EventID.gracePeriod)
        let second = try await w.profiles.logon(w.alice)
        let outcome = try await logoff.value
        #expect(outcome.unload == .cancelled && !outcome.uploaded)
        #expect(registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)"))
        _ = try registry.queryInfoKey(h, as: machine.caller(service.pid))
        #expect(w.events.all.filter { $0.id == EventID.hiveLoaded }.count == 1)
        try registry.closeKey(h, as: machine.caller(service.pid))
        let last = try await w.profiles.logoff(session: second)
        #expect(last.unload == .clean && last.uploaded)
    }

    /// KB146192: logon uses the newer NTUSER.DAT by last-write time; copies keep their times.
    @Test func logonPicksTheNewerCopy() async throws {
        let w = try World()
        let registry = w.registry, machine = w.machine
        // First logon/logoff: the roaming copy is made, with the local copy's time.
        var session = try await w.profiles.logon(w.alice)
        let shell = machine.startProcess("/usr/bin/sh", as: w.alice, session: session)
        let (k, _) = try registry.createKey(.currentUser, "Software\\Where", access: .keyAllAccess, as: machine.caller(shell.pid))
        try registry.setValue(k, "v", type: .dword, data: [1, 0, 0, 0], as: machine.caller(shell.pid))
        _ = try await w.profiles.logoff(session: session)
        let local = w.layout.userHive("alice")
        let roaming = w.dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT")
        let localTime = try FileManager.default.attributesOfItem(atPath: local.path)[.modificationDate] as! Date
        let roamingTime = try FileManager.default.attributesOfItem(atPath: roaming.path)[.modificationDate] as! Date
        #expect(abs(localTime.timeIntervalSince(roamingTime)) < 0.001)  // the copy keeps the time
        // Another machine wrote a newer roaming copy (value 2): logon downloads it.
        let editor = try HiveEditor.open(path: roaming.path)
        try editor.setValue(of: editor.hive.key(path: "Software\\Where").offset, named: "v", type: 4, bytes: [2, 0, 0, 0])
        try editor.flush()
        editor.close()
        try FileManager.default.setAttributes([.modificationDate: localTime.addingTimeInterval(60)], ofItemAtPath: roaming.path)
        session = try await w.profiles.logon(w.alice)
        let reader = machine.startProcess("/usr/bin/sh", as: w.alice, session: session)
        let r = try registry.openKey(.currentUser, "Software\\Where", access: .keyRead, as: machine.caller(reader.pid))
        #expect(try registry.queryValue(r, "v", as: machine.caller(reader.pid)).data == [2, 0, 0, 0])
        _ = try await w.profiles.logoff(session: session)
        // Now the local copy is the newer one (an older roaming copy is not downloaded).
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: roaming.path)
        let editor2 = try HiveEditor.open(path: local.path)
        try editor2.setValue(of: editor2.hive.key(path: "Software\\Where").offset, named: "v", type: 4, bytes: [3, 0, 0, 0])
        try editor2.flush()
        editor2.close()
        session = try await w.profiles.logon(w.alice)
        let third = machine.startProcess("/usr/bin/sh", as: w.alice, session: session)
        let t = try registry.openKey(.currentUser, "Software\\Where", access: .keyRead, as: machine.caller(third.pid))
        #expect(try registry.queryValue(t, "v", as: machine.caller(third.pid)).data == [3, 0, 0, 0])
    }

    /// LoadUserProfile keeps the profile loaded past logoff ([RW]: the forced unload happens only
    /// when the count drops to zero); UnloadUserProfile, the last holder, unloads and uploads.
    @Test func loadUserProfileCountsAsAHolder() async throws {
        let w = try World()
        let machine = w.machine
        let session = try await w.profiles.logon(w.alice)
        // LoadUserProfile needs SE_BACKUP_NAME and SE_RESTORE_NAME ([D-LoadUserProfileW]).
        let weak = machine.startService("Weak", executable: "/usr/lib/weak", as: w.serviceAccount) { _ in }
        await #expect(throws: ProfileError.privilegeNotHeld(.restore)) { _ = try await w.profiles.loadUserProfile(w.alice, for: weak.pid) }
        let service = machine.startService("Batch", executable: "/usr/lib/batch", as: .system) { _ in }
        let hProfile = try await w.profiles.loadUserProfile(w.alice, for: service.pid)
        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.unload == .stillInUse && !outcome.uploaded)
        #expect(w.registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)"))
        try await w.profiles.unloadUserProfile(w.alice, handle: hProfile, for: service.pid)
        #expect(!w.registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)"))
        #expect(FileManager.default.fileExists(atPath: w.dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT").path))
    }

    /// Machine set-up made the machine hives and HKU\.DEFAULT; a thread whose user has no hive
    /// loaded binds HKCU to HKU\.DEFAULT ([PK]); the user's _Classes hive is there while she is.
    @Test func machineHivesAndTheDefaultBinding() async throws {
        let w = try World()
        let registry = w.registry, machine = w.machine
        #expect(registry.loadedHives == ["\\REGISTRY\\MACHINE\\SOFTWARE", "\\REGISTRY\\MACHINE\\SYSTEM", "\\REGISTRY\\USER\\.DEFAULT"])
        // LocalSystem: another service may impersonate only a logged-on user (docs/security.md).
        let service = machine.startService("Early", executable: "/usr/lib/early", as: .system) { _ in }
        let h = try await machine.impersonate(w.alice, in: service.pid) {
            try registry.openKey(.currentUser, "", access: .keyRead, as: machine.caller(service.pid))
        }
        #expect(machine.currentUserBinding(of: service.pid)?.path == "\\REGISTRY\\USER\\.DEFAULT")
        #expect(registry.references(toHiveAt: "\\REGISTRY\\USER\\.DEFAULT").count == 2)
        try registry.closeKey(h, as: machine.caller(service.pid))
        _ = try await w.profiles.logon(w.alice)
        #expect(registry.loadedHives.contains("\\REGISTRY\\USER\\\(w.alice.sid)_Classes"))
        #expect(FileManager.default.fileExists(atPath: w.layout.classesHive("alice").path))
        #expect(w.alice.sid.description == "S-1-5-21-1111-2222-3333-2001")
    }
}
