import Foundation
import HiveFormat
import Registry
import RegistryTypes
import Security

/// What a logoff did, step by step (the events say the same, with times).
public struct LogoffOutcome: Sendable, Hashable {
    public enum Unload: Sendable, Hashable {
        /// Nothing held the hive.
        case clean
        /// References went during the grace period.
        case afterWaiting
        /// The grace period passed; the unload was forced, breaking these references.
        case forced(LeakReport)
        /// Another session or a loadUserProfile holder keeps the profile loaded.
        case stillInUse
        /// A logon came during the grace period and took the profile back.
        case cancelled
        /// The `wait` policy: left loaded; it unloads and uploads when its last reference goes.
        case waiting(LeakReport)
        /// The `snapshot` policy: these references moved to a read-only copy; the hive unloaded.
        case snapshot(LeakReport)
        /// The grace period passed and the forced unload failed (`unloadFailures` says why): the
        /// profile stays loaded, not uploaded; the next start finishes the logoff.
        case forceFailed(LeakReport)
    }

    public var endedProcesses: [ProcessID] = []
    public var notifiedServices: [String] = []
    /// The leak report of the first failed unload (event 1530), if there was one.
    public var leakReport: LeakReport?
    public var unload: Unload = .clean
    /// What failed while unloading by force (or moving references to a snapshot), one line each.
    public var unloadFailures: [String] = []
    public var uploaded = false
    /// The upload failed and is being retried.
    public var uploadPending = false
    /// Where the roaming copy was written (the store's location), when it was.
    public var roamingCopy: String?
}

/// What a logoff does when the store's copy changed since logon (docs/profiles.md).
public enum RoamingConflictPolicy: String, Sendable, Hashable, CaseIterable {
    /// Windows' behaviour: this machine's copy replaces the store's; an event says what was lost.
    case lastWriterWins = "last-writer-wins"
    /// A three-way merge with the copy fetched at logon as the base (RoamingMerge).
    case merge
}

/// What the logoff does when the grace period passes and references remain.
public enum UnloadPolicy: String, Sendable, Hashable, CaseIterable {
    /// Windows' default: unload anyway; leaked handles fail with ERROR_KEY_DELETED.
    case force
    /// Windows' "Do not forcefully unload the users registry at user logoff" (DisableForceUnload):
    /// keep it loaded — and, better than Windows, unload and upload when the last reference goes.
    case wait
    /// Ours: leaked references move to a detached read-only copy (they go on reading what they
    /// knew; writes fail with ERROR_KEY_DELETED) and the real hive unloads and uploads now.
    case snapshot
}

/// One logoff (or a restart's upload) under way: its state machine, the events that reach it from
/// outside the actor (a hive's last reference gone, the clock), and the tasks it waits on —
/// each kept here, so none outlives it untracked.
struct LogoffRun {
    /// Tells this run from a later one of the same user (an event of an older run is dropped).
    let id: Int
    var machine: LogoffStateMachine
    let profile: ProfileService.Loaded?
    let input: AsyncStream<LogoffStateMachine.Event>.Continuation
    /// The machine's time: how far its wake-ups have brought it (the injected `sleep` is the clock).
    var clock: Duration = .zero
    var wakeUp: Task<Void, Never>?
    /// When the wake-up under way is due (a tick brings the clock there).
    var wakeUpAt: Duration?
    var driver: Task<Void, Never>?
    /// The upload attempt under way, ending once the machine has its result (a logon of the
    /// user waits for it).
    var upload: Task<Void, Never>?
    /// The logoff's caller, waiting for the outcome.
    var reply: CheckedContinuation<LogoffOutcome, Never>?
}

extension ProfileService {
    /// Logs a session off, in Windows' order (windows-semantics.md §6.1): the session's
    /// processes end (their handles close); services are told (WTS_SESSION_LOGOFF); then the
    /// profile's logoff runs as LogoffStateMachine says (unload, grace period, policy, upload).
    public func logoff(session: Int, policy override: UnloadPolicy? = nil) async throws(ProfileError) -> LogoffOutcome {
        guard let account = sessions.removeValue(forKey: session) else { throw .noSuchSession(session) }
        machine.logonSession(of: account.sid, began: false)
        var outcome = LogoffOutcome()
        let started = now()
        defer { metrics.logoff(outcome, seconds: now().timeIntervalSince(started)) }
        event(EventID.logoffReceived, account, "Received user logoff notification on session \(session)")
        for p in machine.processes(inSession: session) {
            machine.terminateSessionProcess(p)
            outcome.endedProcesses.append(p.pid)
        }
        outcome.notifiedServices = machine.notifyServices(.logoff(session: session))
        event(EventID.servicesNotified, account, "Services notified of the logoff (SERVICE_CONTROL_SESSIONCHANGE, WTS_SESSION_LOGOFF)",
              outcome.notifiedServices)
        guard let profile = loaded[account.sid] else { return outcome }
        profile.sessions.remove(session)
        if profile.inUse {
            outcome.unload = .stillInUse
            event(EventID.logoffFinished, account, "Finished processing user logoff notification; the profile stays loaded (still in use)")
            return outcome
        }
        let result = await unloadAndUpload(profile, policy: override ?? effectivePolicy())
        outcome.leakReport = result.leakReport
        outcome.unload = result.unload
        outcome.unloadFailures = result.unloadFailures
        outcome.uploaded = result.uploaded
        outcome.uploadPending = result.uploadPending
        outcome.roamingCopy = result.roamingCopy
        event(EventID.logoffFinished, account, "Finished processing user logoff notification on session \(session)")
        return outcome
    }

    /// The machine's policy: DisableForceUnload = 1 under HKLM\Software\Policies\Microsoft\
    /// Windows\System (the value Windows reads, [CSP]) means `wait`; otherwise the configured one.
    func effectivePolicy() -> UnloadPolicy {
        let registry = machine.registry
        let me = RegistryCaller(process: ProcessID(0), token: Account.system.token)
        guard let key = try? registry.openKey(.localMachine, "SOFTWARE\\Policies\\Microsoft\\Windows\\System",
                                              access: .queryValue, as: me) else { return policy }
        defer { try? registry.closeKey(key, as: me) }
        if let v = try? registry.queryValue(key, "DisableForceUnload", as: me), v.type == .dword, v.data.count == 4,
           v.data != [0, 0, 0, 0] {
            return .wait
        }
        return policy
    }

    /// Runs the profile's logoff (LogoffStateMachine) and returns its outcome once the machine
    /// reports it; what remains (a `wait` policy's unload, upload retries) goes on after.
    func unloadAndUpload(_ profile: Loaded, policy: UnloadPolicy) async -> LogoffOutcome {
        let machine = LogoffStateMachine(policy: policy, gracePeriod: gracePeriod, firstRetryDelay: firstRetryDelay,
                                         uploadRetries: uploadRetries, roams: store != nil, isTemporary: profile.isTemporary)
        return await withCheckedContinuation { reply in
            start(profile.account.name, machine, profile: profile, reply: reply)
        }
    }

    /// Starts a run: a driver feeds its machine the events from its stream, `begin` first.
    func start(_ user: String, _ machine: LogoffStateMachine, profile: Loaded?, reply: CheckedContinuation<LogoffOutcome, Never>?) {
        let (events, input) = AsyncStream.makeStream(of: LogoffStateMachine.Event.self)
        nextRun += 1
        let id = nextRun
        logoffs[user] = LogoffRun(id: id, machine: machine, profile: profile, input: input, reply: reply)
        logoffs[user]?.driver = Task { [weak self] in
            for await e in events { await self?.deliver(e, to: user, run: id) }
        }
        input.yield(.begin)
    }

    /// Hands `event` to the user's run `id` and carries out what its machine answers, in one turn
    /// of the actor; an action answered at once (an unload's result) is fed back in it too.
    func deliver(_ event: LogoffStateMachine.Event, to user: String, run id: Int) {
        var queue = [event]
        while !queue.isEmpty {
            let e = queue.removeFirst()
            guard var run = logoffs[user], run.id == id else { return }
            if case .tick = e, let at = run.wakeUpAt {
                run.clock = max(run.clock, at)
                run.wakeUpAt = nil
            }
            let actions = run.machine.handle(e, now: run.clock)
            logoffs[user] = run
            for action in actions {
                if let answer = perform(action, user) { queue.append(answer) }
            }
            if logoffs[user]?.machine.isDone == true { end(user) }
        }
    }

    /// The run is over: its tasks and its event stream end.
    private func end(_ user: String) {
        guard let run = logoffs.removeValue(forKey: user) else { return }
        run.wakeUp?.cancel()
        run.input.finish()
        run.driver?.cancel()
        if let reply = run.reply { reply.resume(returning: run.machine.outcome) }
    }

    /// One action of the machine; returns the event that answers it, if it is answered at once.
    private func perform(_ action: LogoffStateMachine.Action, _ user: String) -> LogoffStateMachine.Event? {
        guard let run = logoffs[user] else { return nil }
        let profile = run.profile
        let hives = profile.map { [$0.userPath, $0.classesPath] } ?? []
        let registry = machine.registry
        switch action {
        case let .journal(stage):
            pending.record(user, stage)
        case .clearJournal:
            pending.clear(user)
        case .unload:
            let left = tryUnload(hives)
            return .unloadTried(hivesLeft: left, held: left == 0 ? LeakReport(hive: "", entries: []) : combinedReport(hives))
        case .flush:
            // Written now, so that a crash during the grace period loses none of the session's
            // settings (the restart finishes the logoff from these files).
            for h in hives { try? registry.flushHive(at: h) }
        case let .reportStillInUse(report):
            event(EventID.hiveStillInUse, user: user, Self.stillInUseMessage(run.machine.policy), report.lines, level: .warning)
        case let .watchReferences(watch):
            let input = run.input
            whenUnreferenced(hives.filter { registry.isHiveLoaded(at: $0) }) { input.yield(.referenceDropped(watch: watch)) }
        case .announceGracePeriod:
            event(EventID.gracePeriod, user: user, "Waiting up to \(gracePeriod) for the references to close")
        case let .wakeUp(at):
            logoffs[user]?.wakeUp?.cancel()
            logoffs[user]?.wakeUpAt = at
            let input = run.input, wait = at - run.clock
            logoffs[user]?.wakeUp = Task { [sleep] in
                do {
                    try await sleep(wait)
                    if !Task.isCancelled { input.yield(.tick) }
                } catch {}
            }
        case .cancelWakeUp:
            logoffs[user]?.wakeUp?.cancel()
            logoffs[user]?.wakeUp = nil
            logoffs[user]?.wakeUpAt = nil
        case .forceUnload:
            let held = combinedReport(hives)
            metrics.leaks(held)
            var failures: [String] = []
            for h in hives where registry.isHiveLoaded(at: h) {
                do throws(Win32Error) {
                    try registry.unloadHive(at: h, force: true)
                } catch {
                    failures.append("\(h): \(error)")
                }
            }
            event(EventID.forcedUnloadBroke, user: user,
                  "The registry was unloaded by force; these references now fail with ERROR_KEY_DELETED", held.lines, level: .warning)
            let left = hives.filter { registry.isHiveLoaded(at: $0) }.count
            if !failures.isEmpty { reportUnloadFailures(user, failures, stillLoaded: left > 0) }
            return .policyApplied(held: held, failures: failures, hivesLeft: left)
        case .moveToSnapshot:
            let held = combinedReport(hives)
            metrics.leaks(held)
            var failures: [String] = []
            for h in hives where registry.isHiveLoaded(at: h) {
                do throws(Win32Error) {
                    let copy = try registry.snapshotHive(at: h)
                    try registry.moveReferences(fromHiveAt: h, toHiveAt: copy)
                    try registry.unloadHive(at: h)
                    try registry.whenUnreferenced(hiveAt: copy) { try? registry.unloadHive(at: copy) }
                } catch {
                    // The copy failed: Windows' way.
                    do throws(Win32Error) {
                        try registry.unloadHive(at: h, force: true)
                    } catch let forced {
                        failures.append("\(h): \(error); unloading it by force: \(forced)")
                    }
                }
            }
            event(EventID.movedToSnapshot, user: user,
                  "These references now read a read-only copy of the registry as it was at logoff; writes through them fail with ERROR_KEY_DELETED",
                  held.lines, level: .warning)
            let left = hives.filter { registry.isHiveLoaded(at: $0) }.count
            if !failures.isEmpty { reportUnloadFailures(user, failures, stillLoaded: left > 0) }
            return .policyApplied(held: held, failures: failures, hivesLeft: left)
        case .leaveLoaded:
            let held = combinedReport(hives)
            metrics.leaks(held)
            event(EventID.leftLoaded, user: user,
                  "The registry stays loaded (DisableForceUnload); it will be unloaded and uploaded when these references close",
                  held.lines)
            return .leftLoaded(held: held, hivesLeft: hives.filter { registry.isHiveLoaded(at: $0) }.count)
        case .forgetProfile:
            guard let profile else { break }
            loaded[profile.account.sid] = nil
            machine.userHiveLoaded(profile.userPath, false)
            event(EventID.hiveUnloaded, user: user, "Unloaded \(profile.userPath) and \(profile.classesPath)")
        case .discardTemporary:
            try? FileManager.default.removeItem(at: layout.temporaryProfile(user))
            event(EventID.temporaryDiscarded, user: user, "The temporary profile was discarded (not uploaded)")
        case .upload:
            // Off the actor (RoamingSync); its result comes back as an event.
            guard let roaming else { return .uploadFailed }
            let id = run.id
            logoffs[user]?.upload = Task { [weak self] in
                let succeeded = await roaming.upload(user)
                await self?.uploadEnded(user, run: id, succeeded ? .uploadFinished(roamingCopy: roaming.store.location(of: user)) : .uploadFailed)
            }
        case let .announceRetried(attempt):
            event(EventID.uploadRetried, user: user, "The roaming profile was uploaded on retry \(attempt)")
        case .announceGaveUp:
            event(EventID.uploadGaveUp, user: user,
                  "The roaming profile could not be uploaded after \(uploadRetries) retries; the local copy is kept and the next logoff (or the service's next start) uploads it",
                  level: .error)
        case let .announceLeftLoadedUnloaded(uploaded):
            event(EventID.deferredUnloadDone, user: user, "The registry left loaded at logoff is now unloaded\(uploaded ? " and uploaded" : "")")
        case let .announceLogonReused(whileLeftLoaded):
            event(EventID.logon, user: user, whileLeftLoaded
                  ? "Logon while the profile waited for its references: the loaded profile is reused"
                  : "Logon during a pending logoff: the loaded profile is reused, its unload cancelled")
        case let .report(outcome):
            logoffs[user]?.reply?.resume(returning: outcome)
            logoffs[user]?.reply = nil
        }
        return nil
    }

    private func uploadEnded(_ user: String, run id: Int, _ result: LogoffStateMachine.Event) {
        guard logoffs[user]?.id == id else { return }
        logoffs[user]?.upload = nil
        deliver(result, to: user, run: id)
    }

    /// Event 9531: what a forced unload could not do (the hive stays loaded when it failed).
    private func reportUnloadFailures(_ user: String, _ failures: [String], stillLoaded: Bool) {
        event(EventID.forcedUnloadFailed, user: user,
              stillLoaded
                ? "The registry could not be unloaded by force; it stays loaded and is not uploaded (the next start finishes the logoff)"
                : "Part of the forced unload failed",
              failures, level: .error)
    }

    /// A logon of `user` while a run is under way: an upload in flight is let finish first (it
    /// reads the local hive the logon mounts), then the machine hears of the logon.
    func logonArrives(_ user: String) async {
        while let upload = logoffs[user]?.upload { await upload.value }
        guard let run = logoffs[user] else { return }
        deliver(.logon, to: user, run: run.id)
    }

    /// Event 1530's text. Windows logs it with the same words whatever DisableForceUnload says
    /// (windows-semantics.md §6.1); where our policy does not unload now, a sentence after
    /// Windows' own says what happens instead, so the log does not contradict event 9540/9550.
    static func stillInUseMessage(_ policy: UnloadPolicy) -> String {
        let windows = "Windows detected your registry file is still in use by other applications or services. The file will be unloaded now. The applications or services that hold your registry file may not function properly afterwards."
        switch policy {
        case .force: return windows
        case .wait: return windows + " (Policy wait, DisableForceUnload: the file is not unloaded by force; after the grace period it stays loaded until these references close, then it is unloaded and uploaded.)"
        case .snapshot: return windows + " (Policy snapshot: after the grace period these references are moved to a read-only copy and the file is unloaded.)"
        }
    }

    /// Calls `body` once for each hive in `paths` that has no references left (at once for one
    /// that is already gone).
    private func whenUnreferenced(_ paths: [String], _ body: @escaping @Sendable () -> Void) {
        for h in paths {
            do throws(Win32Error) {
                try machine.registry.whenUnreferenced(hiveAt: h, body)
            } catch {
                body()  // unloaded meanwhile
            }
        }
    }

    /// A plain unload of every hive still loaded; how many are left.
    private func tryUnload(_ hives: [String]) -> Int {
        let registry = machine.registry
        var left = 0
        for h in hives where registry.isHiveLoaded(at: h) {
            do throws(Win32Error) {
                try registry.unloadHive(at: h)
            } catch {
                left += 1
            }
        }
        return left
    }

    func combinedReport(_ hives: [String]) -> LeakReport {
        let reports = hives.map { machine.leakReport(for: $0) }
        return LeakReport(hive: hives.joined(separator: ", "), entries: reports.flatMap(\.entries))
    }
}
