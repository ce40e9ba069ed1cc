import Foundation
import Registry
import Security

/// The User Profile Service: logon loads a user's hives (the newer of the local and roaming
/// NTUSER.DAT, KB146192), services take references with loadUserProfile, and logoff runs
/// Windows' sequence (Logoff.swift): end the session's processes, notify services, unload —
/// forcing it after the grace period when something still holds the hive — and upload.
public actor ProfileService {
    public let machine: Machine
    public let layout: StateLayout
    public let store: (any RoamingStore)?
    public let events: EventLog
    public let gracePeriod: Duration
    /// Injected time: `sleep` waits out the grace period (tests pass one they control), `now`
    /// stamps events.
    let sleep: @Sendable (Duration) async throws -> Void
    let now: @Sendable () -> Date

    /// A loaded profile: its hives, who holds it (sessions and loadUserProfile callers), and the
    /// logoff waiting on it, if any.
    final class Loaded {
        let account: Account
        var sessions = Set<Int>()
        var profileReferences = 0
        var pendingLogoff: GraceWait?
        init(account: Account) { self.account = account }
        var userPath: String { "\\REGISTRY\\USER\\\(account.sid)" }
        var classesPath: String { "\\REGISTRY\\USER\\\(account.sid)_Classes" }
        var inUse: Bool { !sessions.isEmpty || profileReferences > 0 }
    }

    var loaded: [SID: Loaded] = [:]
    var sessions: [Int: Account] = [:]
    var nextSession = 1

    public init(machine: Machine, layout: StateLayout, store: (any RoamingStore)?, events: EventLog,
                gracePeriod: Duration = .seconds(30),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.machine = machine
        self.layout = layout
        self.store = store
        self.events = events
        self.gracePeriod = gracePeriod
        self.sleep = sleep
        self.now = now
    }

    func event(_ id: Int, _ user: Account?, _ message: String, _ details: [String] = [], level: ProfileEvent.Level = .information) {
        events.record(ProfileEvent(id: id, time: now(), level: level, user: user?.name, message: message, details: details))
    }

    // MARK: Logon

    /// Logs `account` on: a new session; the profile loaded (or, when a logoff is still waiting
    /// on it, kept and that logoff cancelled); services told (WTS_SESSION_LOGON).
    public func logon(_ account: Account) throws(ProfileError) -> Int {
        let session = nextSession
        nextSession += 1
        let profile = try load(account)
        profile.sessions.insert(session)
        sessions[session] = account
        event(EventID.logon, account, "Logon of \(account.name) in session \(session)")
        _ = machine.notifyServices(.logon(session: session))
        return session
    }

    /// LoadUserProfile: the profile loaded (or its count raised) and a KEY_ALL_ACCESS handle to
    /// the hive root for `pid` (PROFILEINFO.hProfile), to pass back to `unloadUserProfile`.
    public func loadUserProfile(_ account: Account, for pid: ProcessID) throws(ProfileError) -> KeyHandle {
        // SE_RESTORE_NAME and SE_BACKUP_NAME, held and enabled ([D-LoadUserProfileW]).
        let token = try machine.caller(pid).token
        guard token.isEnabled(.restore) else { throw .privilegeNotHeld(.restore) }
        guard token.isEnabled(.backup) else { throw .privilegeNotHeld(.backup) }
        let profile = try load(account)
        profile.profileReferences += 1
        do {
            return try machine.registry.openKey(.users, account.sid.description, access: .keyAllAccess, as: machine.caller(pid))
        } catch let e as Win32Error {
            profile.profileReferences -= 1
            throw .registry(e)
        } catch let e as ProfileError {
            profile.profileReferences -= 1
            throw e
        } catch {
            throw .registry(.invalidParameter)
        }
    }

    /// UnloadUserProfile: closes the handle and drops the count; the last holder gone (no
    /// session either), the profile unloads and uploads as at logoff.
    public func unloadUserProfile(_ account: Account, handle: KeyHandle, for pid: ProcessID) async throws(ProfileError) {
        guard let profile = loaded[account.sid], profile.profileReferences > 0 else { throw .registry(.invalidParameter) }
        try? machine.registry.closeKey(handle, as: machine.caller(pid))
        profile.profileReferences -= 1
        if !profile.inUse { _ = await unloadAndUpload(profile) }
    }

    /// The profile loaded: reused when it still is (a pending logoff is cancelled), otherwise
    /// the newer of the local and roaming NTUSER.DAT (by last-write time, KB146192) is made the
    /// local copy — a new user's copied from Default User — and both hives are mounted.
    func load(_ account: Account) throws(ProfileError) -> Loaded {
        if let p = loaded[account.sid] {
            if let wait = p.pendingLogoff {
                wait.finish(.cancelled)
                p.pendingLogoff = nil
                event(EventID.logon, account, "Logon during a pending logoff: the loaded profile is reused, its unload cancelled")
            }
            return p
        }
        let local = layout.userHive(account.name)
        do {
            try FileManager.default.createDirectory(at: layout.profile(account.name), withIntermediateDirectories: true)
            let localTime = FileManager.default.fileExists(atPath: local.path) ? try lastWriteTime(local) : nil
            if let store, let remote = try store.copy(of: account.name), localTime.map({ remote.lastWritten > $0 }) ?? true {
                try store.download(account.name, to: local)
                event(EventID.synchronizeFinished, account, "Roaming copy is newer: downloaded to \(local.path)")
            } else if localTime == nil {
                try atomicCopy(from: layout.defaultUserHive, to: local)
                try setSecurityEverywhere(of: local, to: userHiveSecurity(account.sid))
                event(EventID.profileCreated, account, "New profile from Default User")
            }
        } catch {
            throw .store("\(error)")
        }
        let profile = Loaded(account: account)
        do throws(Win32Error) {
            try machine.registry.mountHive(file: local.path, at: profile.userPath, rootSecurity: userHiveSecurity(account.sid))
            try machine.registry.mountHive(file: layout.classesHive(account.name).path, at: profile.classesPath,
                                           rootSecurity: userHiveSecurity(account.sid))
        } catch {
            try? machine.registry.unloadHive(at: profile.userPath)
            throw .registry(error)
        }
        machine.userHiveLoaded(profile.userPath, true)
        loaded[account.sid] = profile
        event(EventID.hiveLoaded, account, "Registry file \(local.path) is loaded at HKU\\\(account.sid)")
        return profile
    }
}
