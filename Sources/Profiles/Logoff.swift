import Foundation
import HiveFormat
import Registry
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
    }

    public var endedProcesses: [ProcessID] = []
    public var notifiedServices: [String] = []
    /// The leak report of the first failed unload (event 1530), if there was one.
    public var leakReport: LeakReport?
    public var unload: Unload = .clean
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

/// How a grace-period wait ended.
enum WaitOutcome: Sendable { case unreferenced, gracePassed, cancelled }

/// One logoff's wait: whichever comes first — the hives' last references gone, the grace period
/// passed, a logon cancelling it — ends it.
final class GraceWait: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<WaitOutcome, Never>?
    private var outcome: WaitOutcome?
    private var unreferencedHives: Int

    init(hives: Int) { unreferencedHives = hives }

    func hiveUnreferenced() {
        let done = lock.withLock { unreferencedHives -= 1; return unreferencedHives <= 0 }
        if done { finish(.unreferenced) }
    }

    func finish(_ o: WaitOutcome) {
        let c: CheckedContinuation<WaitOutcome, Never>? = lock.withLock {
            guard outcome == nil else { return nil }
            outcome = o
            defer { continuation = nil }
            return continuation
        }
        c?.resume(returning: o)
    }

    func wait() async -> WaitOutcome {
        await withCheckedContinuation { c in
            let ready: WaitOutcome? = lock.withLock {
                if let outcome { return outcome }
                continuation = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}

extension ProfileService {
    /// Logs a session off, in Windows' order (windows-semantics.md §6.1): the session's
    /// processes end (their handles close); services are told (WTS_SESSION_LOGOFF); the hives
    /// unload — when something still holds them, event 1530 with the leak report, the grace
    /// period (finishing at once when the references go), then a forced unload and an event
    /// listing what it broke; unloading flushes; then the roaming copy is uploaded.
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

    /// Unload (waiting, then as `policy` says, as the logoff describes) and upload.
    func unloadAndUpload(_ profile: Loaded, policy: UnloadPolicy) async -> LogoffOutcome {
        var outcome = LogoffOutcome()
        let account = profile.account
        let registry = machine.registry
        let hives = [profile.userPath, profile.classesPath]
        pending.record(account.name, .logoff)
        if !tryUnload(hives) {
            // Written now, so that a crash during the grace period loses none of the session's
            // settings (the restart finishes the logoff from these files).
            for h in hives { try? registry.flushHive(at: h) }
            // Event 1530 at the first failed attempt, with the references of that moment.
            let report = combinedReport(hives)
            outcome.leakReport = report
            event(EventID.hiveStillInUse, account, Self.stillInUseMessage(policy), report.lines, level: .warning)
            let remaining = hives.filter { registry.isHiveLoaded(at: $0) }
            let wait = GraceWait(hives: remaining.count)
            profile.pendingLogoff = wait
            whenUnreferenced(remaining) { wait.hiveUnreferenced() }
            event(EventID.gracePeriod, account, "Waiting up to \(gracePeriod) for the references to close")
            let timer = Task { [sleep, gracePeriod] in
                do {
                    try await sleep(gracePeriod)
                    wait.finish(.gracePassed)
                } catch {}
            }
            let ended = await wait.wait()
            timer.cancel()
            profile.pendingLogoff = nil
            switch ended {
            case .cancelled:
                outcome.unload = .cancelled
                pending.clear(account.name)
                return outcome
            case .unreferenced where tryUnload(hives):
                outcome.unload = .afterWaiting
            case .unreferenced, .gracePassed:
                let held = combinedReport(hives)
                metrics.leaks(held)
                switch policy {
                case .force:
                    for h in hives where registry.isHiveLoaded(at: h) { try? registry.unloadHive(at: h, force: true) }
                    outcome.unload = .forced(held)
                    event(EventID.forcedUnloadBroke, account,
                          "The registry was unloaded by force; these references now fail with ERROR_KEY_DELETED", held.lines,
                          level: .warning)
                case .wait:
                    profile.deferredUnload = true
                    outcome.unload = .waiting(held)
                    event(EventID.leftLoaded, account,
                          "The registry stays loaded (DisableForceUnload); it will be unloaded and uploaded when these references close",
                          held.lines)
                    let left = hives.filter { registry.isHiveLoaded(at: $0) }
                    let last = GraceWait(hives: left.count)
                    profile.pendingLogoff = last  // a logon cancels it
                    whenUnreferenced(left) { last.hiveUnreferenced() }
                    let sid = account.sid
                    Task { [weak self] in
                        guard await last.wait() == .unreferenced else { return }
                        await self?.finishDeferredUnload(sid)
                    }
                    return outcome
                case .snapshot:
                    for h in hives where registry.isHiveLoaded(at: h) {
                        do throws(Win32Error) {
                            let copy = try registry.snapshotHive(at: h)
                            try registry.moveReferences(fromHiveAt: h, toHiveAt: copy)
                            try registry.unloadHive(at: h)
                            try registry.whenUnreferenced(hiveAt: copy) { try? registry.unloadHive(at: copy) }
                        } catch {
                            try? registry.unloadHive(at: h, force: true)  // the copy failed: Windows' way
                        }
                    }
                    outcome.unload = .snapshot(held)
                    event(EventID.movedToSnapshot, account,
                          "These references now read a read-only copy of the registry as it was at logoff; writes through them fail with ERROR_KEY_DELETED",
                          held.lines, level: .warning)
                }
            }
        } else {
            outcome.unload = .clean
        }
        finishUnload(profile, &outcome)
        return outcome
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

    /// The `wait` policy's end: the last reference went, so unload and upload now (unless a
    /// logon took the profile back meanwhile).
    func finishDeferredUnload(_ sid: SID) {
        guard let profile = loaded[sid], profile.deferredUnload, !profile.inUse else { return }
        profile.deferredUnload = false
        profile.pendingLogoff = nil
        guard tryUnload([profile.userPath, profile.classesPath]) else { return }
        var outcome = LogoffOutcome()
        finishUnload(profile, &outcome)
        event(EventID.deferredUnloadDone, profile.account, "The registry left loaded at logoff is now unloaded\(outcome.uploaded ? " and uploaded" : "")")
    }

    /// After the hives are gone: forget the profile, then upload (or discard a temporary one).
    private func finishUnload(_ profile: Loaded, _ outcome: inout LogoffOutcome) {
        let account = profile.account
        loaded[account.sid] = nil
        machine.userHiveLoaded(profile.userPath, false)
        event(EventID.hiveUnloaded, account, "Unloaded \(profile.userPath) and \(profile.classesPath)")
        if profile.isTemporary {
            try? FileManager.default.removeItem(at: layout.temporaryProfile(account.name))
            event(EventID.temporaryDiscarded, account, "The temporary profile was discarded (not uploaded)")
            pending.clear(account.name)
            return
        }
        guard store != nil else {
            pending.clear(account.name)
            return
        }
        pending.record(account.name, .upload)
        if upload(account.name) {
            outcome.uploaded = true
            outcome.roamingCopy = store?.location(of: account.name)
        } else {
            outcome.uploadPending = true
            scheduleRetry(account.name)
        }
    }

    /// One upload attempt, with its events (6, then 7; on failure 1509 and 1504); a success
    /// ends the user's pending work. Under the store lock: if the store's copy is no longer the
    /// one this machine fetched (another machine logged off since), the conflict policy decides
    /// first — overwrite (event 9600) or merge (9601) — then the copy is replaced.
    func upload(_ user: String) -> Bool {
        guard let store else { return false }
        let local = layout.userHive(user)
        event(EventID.synchronizeStarted, user: user, "Starting synchronize profile from \(local.path) to the roaming store")
        let owner = "\(machineName) pid \(getpid())"
        let started = now()
        var succeeded = false
        defer { metrics.upload(succeeded: succeeded, seconds: now().timeIntervalSince(started)) }
        do {
            let lifetime = Double(storeLockLifetime.components.seconds) + Double(storeLockLifetime.components.attoseconds) / 1e18
            let lease = try store.lock(user, owner: owner, now: now(), lifetime: lifetime)
            // Renewed while the compare and the upload run; checked before every step that
            // replaces the store's copy (docs/roaming.md).
            let keeper = LeaseKeeper(store: store, user: user, lease: lease, now: now)
            defer { store.unlock(user, keeper.stop()) }
            try keeper.check()
            try reconcile(user, store: store, local: local)
            try store.upload(user, from: local, beforeReplace: { try keeper.check() })
            try? keepAsBase(local, layout.roamingBase(user))
            event(EventID.synchronizeFinished, user: user, "Finished synchronize profile. Result: success")
            pending.clear(user)
            succeeded = true
            return true
        } catch {
            if let lost = error as? LeaseLost {
                event(EventID.storeLockLost, user: user,
                      "The roaming store's lock was lost before this machine replaced the store's copy; the store keeps the newer holder's copy and this machine's changes stay in the local copy, to be uploaded (compared and reconciled again) on retry",
                      [lost.description], level: .warning)
            }
            event(EventID.unableToCopy, user: user, "Windows was unable to copy \(local.path) to the roaming store: \(error)", level: .error)
            event(EventID.cannotUpdateRoaming, user: user,
                  "Windows cannot update your roaming profile completely; the local copy is kept and the upload will be retried",
                  level: .warning)
            return false
        }
    }

    /// When the store's copy changed since this machine fetched it: last writer wins (the
    /// overwritten copy named) or a merge into the local hive (every conflict listed).
    private func reconcile(_ user: String, store: any RoamingStore, local: URL) throws {
        let base = layout.roamingBase(user)
        // The store's copy still has the base's size and last-write time: unchanged, known
        // without reading it (an upload gives the store's copy the local file's time).
        guard let stamp = try store.stamp(of: user) else { return }
        if let baseStamp = RoamingStamp.of(base), baseStamp.matches(stamp) { return }
        guard let current = try store.copy(of: user) else { return }
        let baseData = FileManager.default.contents(atPath: base.path)
        guard baseData.map(fnv1a) != current.hash else { return }
        let theirs = "written \(current.lastWritten), \(current.size) bytes, hash \(String(current.hash, radix: 16))"
        switch roamingConflicts {
        case .lastWriterWins:
            event(EventID.roamingOverwritten, user: user,
                  "The roaming copy changed since logon (another machine logged off); this machine's copy replaces it (last writer wins)",
                  ["overwritten: \(theirs)"], level: .warning)
        case .merge:
            let theirsFile = local.deletingLastPathComponent().appendingPathComponent("NTUSER.DAT.theirs")
            try? FileManager.default.removeItem(at: theirsFile)
            try store.download(user, to: theirsFile)
            defer { try? FileManager.default.removeItem(at: theirsFile) }
            let baseTree = try baseData.map { try RoamingMerge.read(try Hive(bytes: [UInt8]($0))) } ?? [:]
            let theirsTree = try RoamingMerge.read(try Hive(bytes: [UInt8](try Data(contentsOf: theirsFile))))
            let oursTree = try RoamingMerge.read(try Hive(bytes: [UInt8](try Data(contentsOf: local))))
            let (keys, conflicts) = RoamingMerge(base: baseTree, ours: oursTree, theirs: theirsTree).merged()
            try RoamingMerge.write(keys, into: local)
            event(EventID.roamingMerged, user: user,
                  "The roaming copy changed since logon (another machine logged off); merged with it: \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"), this machine's side kept",
                  ["theirs: \(theirs)"] + conflicts.map(\.description), level: conflicts.isEmpty ? .information : .warning)
        }
    }

    /// Keeps `local` as the roaming base: the store's copy as this machine last saw it, with
    /// the same last-write time (what `reconcile` compares first).
    func keepAsBase(_ local: URL, _ base: URL) throws {
        try? FileManager.default.removeItem(at: base)
        try FileManager.default.copyItem(at: local, to: base)
        try FileManager.default.setAttributes([.modificationDate: try lastWriteTime(local)], ofItemAtPath: base.path)
    }

    /// Retries a failed upload with doubling delays (from `firstRetryDelay`, `uploadRetries`
    /// times); a logon of the user stops it (that session's logoff uploads).
    func scheduleRetry(_ user: String) {
        pendingUploads[user]?.cancel()
        pendingUploads[user] = Task { [weak self, sleep, firstRetryDelay, uploadRetries] in
            var delay = firstRetryDelay
            for attempt in 1...max(uploadRetries, 1) {
                do { try await sleep(delay) } catch { return }
                guard let self else { return }
                if await self.retryUpload(user, attempt: attempt) { return }
                delay *= 2
            }
            await self?.gaveUp(user)
        }
    }

    /// The pending entry stays: the next start (or logoff) uploads.
    private func gaveUp(_ user: String) {
        pendingUploads[user] = nil
        event(EventID.uploadGaveUp, user: user,
              "The roaming profile could not be uploaded after \(uploadRetries) retries; the local copy is kept and the next logoff (or the service's next start) uploads it",
              level: .error)
    }

    private func retryUpload(_ user: String, attempt: Int) -> Bool {
        // Logged on again: stop (that session's logoff uploads).
        guard !loaded.values.contains(where: { $0.account.name == user }), !Task.isCancelled else { return true }
        guard upload(user) else { return false }
        pendingUploads[user] = nil
        event(EventID.uploadRetried, user: user, "The roaming profile was uploaded on retry \(attempt)")
        return true
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

    /// A plain unload of every hive still loaded; true when none is left.
    private func tryUnload(_ hives: [String]) -> Bool {
        let registry = machine.registry
        var all = true
        for h in hives where registry.isHiveLoaded(at: h) {
            do throws(Win32Error) {
                try registry.unloadHive(at: h)
            } catch {
                all = false
            }
        }
        return all
    }

    func combinedReport(_ hives: [String]) -> LeakReport {
        let reports = hives.map { machine.leakReport(for: $0) }
        return LeakReport(hive: hives.joined(separator: ", "), entries: reports.flatMap(\.entries))
    }
}
