import Foundation
import HiveFormat
import Registry
import RegistryTypes
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
    /// What happens when the grace period passes and references remain (docs/profiles.md).
    public let policy: UnloadPolicy
    /// What a logoff does when the store's copy changed since logon (another machine logged off).
    public let roamingConflicts: RoamingConflictPolicy
    /// This machine, as the store lock names its owner.
    public let machineName: String
    /// How long a store lock is good for; a lock older than that was left by a crash.
    public let storeLockLifetime: Duration
    /// How often and how patiently a failed upload is retried.
    public let uploadRetries: Int
    public let firstRetryDelay: Duration
    /// The logoffs (and a restart's uploads) under way, by user: each one's state is its
    /// LogoffStateMachine (Logoff.swift).
    var logoffs: [String: LogoffRun] = [:]
    var nextRun = 0
    /// Logons' fetches of the roaming copy under way, by user.
    var fetching: [String: Task<LogonCopy.Choice, Never>] = [:]
    /// Injected time: `sleep` waits out the grace period (tests pass one they control), `now`
    /// stamps events.
    let sleep: @Sendable (Duration) async throws -> Void
    let now: @Sendable () -> Date
    /// Logons, logoffs and their durations, leaks found, uploads (ProfileMetrics.swift).
    public let metrics: ProfileMetrics

    /// A loaded profile: its hives, and who holds it (sessions and loadUserProfile callers).
    final class Loaded {
        let account: Account
        var sessions = Set<Int>()
        var profileReferences = 0
        /// A temporary profile (no usable copy): discarded at logoff, never uploaded.
        var isTemporary = false
        /// The NTUSER.DAT mounted at `userPath`.
        var hiveFile: URL?
        init(account: Account) { self.account = account }
        var userPath: String { "\\REGISTRY\\USER\\\(account.sid)" }
        var classesPath: String { "\\REGISTRY\\USER\\\(account.sid)_Classes" }
        var inUse: Bool { !sessions.isEmpty || profileReferences > 0 }
    }

    var loaded: [SID: Loaded] = [:]
    var sessions: [Int: Account] = [:]
    var nextSession = 1

    public init(machine: Machine, layout: StateLayout, store: (any RoamingStore)?, events: EventLog,
                gracePeriod: Duration = .seconds(30), policy: UnloadPolicy = .force,
                uploadRetries: Int = 8, firstRetryDelay: Duration = .seconds(5),
                roamingConflicts: RoamingConflictPolicy = .lastWriterWins,
                machineName: String = ProcessInfo.processInfo.hostName, storeLockLifetime: Duration = .seconds(120),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Date = { Date() }, metrics: ProfileMetrics = ProfileMetrics()) {
        self.machine = machine
        self.layout = layout
        self.store = store
        self.events = events
        self.gracePeriod = gracePeriod
        self.policy = policy
        self.roamingConflicts = roamingConflicts
        self.machineName = machineName
        self.storeLockLifetime = storeLockLifetime
        self.uploadRetries = uploadRetries
        self.firstRetryDelay = firstRetryDelay
        self.sleep = sleep
        self.now = now
        self.metrics = metrics
    }

    func event(_ id: Int, _ user: Account?, _ message: String, _ details: [String] = [], level: ProfileEvent.Level = .information) {
        event(id, user: user?.name, message, details, level: level)
    }

    func event(_ id: Int, user: String?, _ message: String, _ details: [String] = [], level: ProfileEvent.Level = .information) {
        events.record(ProfileEvent(id: id, time: now(), level: level, user: user, message: message, details: details))
    }

    /// The roaming side (upload, reconcile), run off the actor; nil without a store.
    var roaming: RoamingSync? {
        store.map {
            RoamingSync(store: $0, layout: layout, events: events, conflicts: roamingConflicts, machineName: machineName,
                        storeLockLifetime: storeLockLifetime, now: now, metrics: metrics)
        }
    }

    /// Logon's choice of copy (LogonCopy), off the actor: the store may be slow to answer.
    /// Concurrent logons of one user share one fetch.
    private func fetchCopy(_ account: Account) async -> LogonCopy.Choice {
        if let fetch = fetching[account.name] { return await fetch.value }
        let copy = LogonCopy(store: store, layout: layout, events: events, now: now)
        let fetch = Task { await copy.choose(account) }
        fetching[account.name] = fetch
        let choice = await fetch.value
        fetching[account.name] = nil
        return choice
    }

    /// The logoffs and uploads a crash left unfinished.
    var pending: PendingWork { PendingWork(directory: layout.pendingWork) }

    // MARK: Logon

    /// Logs `account` on: a new session; the profile loaded (or, when a logoff is still waiting
    /// on it, kept and that logoff cancelled); services told (WTS_SESSION_LOGON).
    public func logon(_ account: Account) async throws(ProfileError) -> Int {
        let profile = try await load(account)
        let session = nextSession
        nextSession += 1
        profile.sessions.insert(session)
        sessions[session] = account
        machine.logonSession(of: account.sid, began: true)
        pending.clear(account.name)  // loaded again: its next logoff is the one to finish
        event(EventID.logon, account, "Logon of \(account.name) in session \(session)")
        _ = machine.notifyServices(.logon(session: session))
        metrics.logons.increment()
        return session
    }

    /// The logon sessions, by id.
    public var activeSessions: [Int: Account] { sessions }

    /// LoadUserProfile: the profile loaded (or its count raised) and a KEY_ALL_ACCESS handle to
    /// the hive root for `pid` (PROFILEINFO.hProfile), to pass back to `unloadUserProfile`.
    public func loadUserProfile(_ account: Account, for pid: ProcessID) async throws(ProfileError) -> KeyHandle {
        // SE_RESTORE_NAME and SE_BACKUP_NAME, held and enabled ([D-LoadUserProfileW]).
        let token = try machine.caller(pid).token
        guard token.isEnabled(.restore) else { throw .privilegeNotHeld(.restore) }
        guard token.isEnabled(.backup) else { throw .privilegeNotHeld(.backup) }
        let profile = try await load(account)
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
        if !profile.inUse { _ = await unloadAndUpload(profile, policy: effectivePolicy()) }
    }

    /// The profile loaded: reused when it still is (a pending logoff is cancelled), otherwise
    /// the newer of the local and roaming NTUSER.DAT (by last-write time, KB146192) is made the
    /// local copy — a new user's copied from Default User — and both hives are mounted.
    func load(_ account: Account) async throws(ProfileError) -> Loaded {
        // A logoff, or a retry of its upload, under way: the logon ends it (after an upload in
        // flight, which reads the local hive).
        await logonArrives(account.name)
        if let p = loaded[account.sid] { return p }
        let choice = await fetchCopy(account)
        // Another logon of the user loaded it meanwhile (both waited for the same fetch).
        if let p = loaded[account.sid] { return p }
        let profile = Loaded(account: account)
        let local = layout.userHive(account.name)
        switch choice {
        case .use:
            break
        case .temporary:
            return try loadTemporary(account, profile)
        }
        let wasDirty = Self.isDirty(local)
        do throws(Win32Error) {
            try mountProfile(account, profile, hive: local)
            if wasDirty {
                event(EventID.recoveredFromLogs, account, "The profile's registry file was dirty and was recovered from its transaction logs")
            }
        } catch {
            // A corrupt NTUSER.DAT: backed up, recovered from its logs if possible, otherwise a
            // temporary profile (windows-semantics.md §5: events 1515, 1502, 1511).
            guard [.registryCorrupt, .notRegistryFile, .badDatabase].contains(error) else { throw .registry(error) }
            let recovery = recoverCorrupt(account, local)
            guard recovery.recovered, (try? mountProfile(account, profile, hive: local)) != nil else {
                event(EventID.cannotLoadLocalProfile, account, "Windows cannot load the locally stored profile (\(error)); it was backed up",
                      recovery.why.map { ["recovery from its logs: \($0)"] } ?? [], level: .error)
                return try loadTemporary(account, profile)
            }
        }
        return profile
    }

    /// Mounts NTUSER.DAT (given) and the local UsrClass.dat, and links HKCU\Software\Classes to
    /// the latter.
    func mountProfile(_ account: Account, _ profile: Loaded, hive: URL) throws(Win32Error) {
        let registry = machine.registry
        profile.hiveFile = hive
        // What recovering a dirty file did (logs applied, a log passed over) goes in the event.
        var notes = try registry.mountHive(file: hive.path, at: profile.userPath, rootSecurity: userHiveSecurity(account.sid))
            .map { "\(hive.path): \($0)" }
        do throws(Win32Error) {
            let classes = layout.classesHive(account.name).path
            notes += try registry.mountHive(file: classes, at: profile.classesPath, rootSecurity: userHiveSecurity(account.sid))
                .map { "\(classes): \($0)" }
        } catch {
            try? registry.unloadHive(at: profile.userPath)
            throw error
        }
        do throws(Win32Error) {
            try linkUserClasses(profile)
        } catch {
            try? registry.unloadHive(at: profile.classesPath)
            try? registry.unloadHive(at: profile.userPath)
            throw error
        }
        machine.userHiveLoaded(profile.userPath, true)
        loaded[account.sid] = profile
        event(EventID.hiveLoaded, account, "Registry file \(hive.path) is loaded at HKU\\\(account.sid)", notes)
    }

    /// Whether a hive file's base block says it is dirty (loading it applies its logs).
    static func isDirty(_ file: URL) -> Bool {
        guard let h = try? FileHandle(forReadingFrom: file), let head = try? h.read(upToCount: BaseBlock.size) else { return false }
        try? h.close()
        return head.withUnsafeBytes { (try? BaseBlock(bytes: $0))?.isDirty ?? false }
    }

    /// A corrupt NTUSER.DAT is copied aside (NTUSER.DAT.bak, event 1515) and, when its logs can
    /// bring it back, replaced by the recovered hive. When they cannot, `why` says so (a log that
    /// cannot be read, say), for the event that follows.
    private func recoverCorrupt(_ account: Account, _ local: URL) -> (recovered: Bool, why: String?) {
        let backup = local.deletingLastPathComponent().appendingPathComponent("NTUSER.DAT.bak")
        try? FileManager.default.removeItem(at: backup)
        try? FileManager.default.copyItem(at: local, to: backup)
        event(EventID.profileBackedUp, account, "The profile's registry file was corrupt and was backed up to \(backup.path)", level: .warning)
        do {
            let opened = try Hive.open(path: local.path, logs: .besideHive)
            guard let recovery = opened.recovery else { return (false, opened.notes.first ?? "there is nothing to apply") }
            _ = try opened.hive.checkConsistency()
            try AtomicWrite.write(opened.hive.storage.bytes, to: local.path)
            // Logs passed over are said with it.
            event(EventID.recoveredFromLogs, account, "The profile's registry file was recovered from its transaction logs",
                  recovery.skipped.map { "\($0.log): not used: \($0.reason)" })
            return (true, nil)
        } catch {
            return (false, "\(error)")
        }
    }

    /// A temporary profile from Default User (event 1511): discarded at logoff, not uploaded.
    private func loadTemporary(_ account: Account, _ profile: Loaded) throws(ProfileError) -> Loaded {
        let temp = layout.temporaryProfile(account.name)
        do {
            try? FileManager.default.removeItem(at: temp)
            try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
            try atomicCopy(from: layout.defaultUserHive, to: temp.appendingPathComponent("NTUSER.DAT"))
            try setSecurityEverywhere(of: temp.appendingPathComponent("NTUSER.DAT"), to: userHiveSecurity(account.sid))
        } catch {
            throw .store("cannot make a temporary profile: \(error)")
        }
        profile.isTemporary = true
        do throws(Win32Error) {
            try mountProfile(account, profile, hive: temp.appendingPathComponent("NTUSER.DAT"))
        } catch {
            throw .registry(error)
        }
        event(EventID.temporaryProfile, account,
              "You have been logged on with a temporary profile. Changes you make to this profile will be lost when you log off.",
              level: .warning)
        return profile
    }
}
