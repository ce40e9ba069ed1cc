/// The logoff of one profile, as a state machine: events in, actions out. It does no I/O and has
/// no clock of its own (each event comes with the time, as a duration since the logoff began),
/// so it is tested alone; the ProfileService actor carries out the actions it returns and feeds
/// back what they found (Logoff.swift).
///
/// The story it tells — the seed's (windows-semantics.md §6): a service read alice's HKCU while
/// impersonating her, so its HKCU cache holds her hive; she logs off.
/// 1. The first, plain unload fails: the service's cache still references the hive. The hives
///    are flushed (a crash during the wait loses nothing), event 1530 lists who holds them, and
///    the grace period starts.
/// 2. The wait ends in one of three ways: the last references close (a plain unload again), the
///    grace period passes, or alice logs on again (the loaded profile is hers again; nothing is
///    unloaded).
/// 3. The grace period passed with references left: the policy decides. `force` (Windows')
///    unloads anyway — the service's cache now fails with ERROR_KEY_DELETED, and a forced unload
///    that fails is said, not hidden; `snapshot` moves the references to a read-only copy and
///    unloads; `wait` (DisableForceUnload) leaves the hive loaded until its last reference goes,
///    then unloads and uploads.
/// 4. The hives unloaded: the roaming copy is uploaded; a failed upload is retried with doubling
///    delays until it succeeds, the retries run out, or alice logs on again (her next logoff
///    uploads). A temporary profile is discarded instead.
/// The pending-work journal follows the state: `logoff` until the hives are gone, `upload` until
/// the store has the copy, nothing once it has (or once a logon took the profile back).
public struct LogoffStateMachine: Sendable {
    public enum State: Sendable, Hashable {
        /// Loaded, its logoff not begun.
        case loaded
        /// The first, plain unload is being tried.
        case unloading
        /// References remain: waiting until `deadline` for `held` hives to lose their last one.
        case gracePeriod(deadline: Duration, held: Int, watch: Int)
        /// The references went during the grace period: a plain unload again.
        case unloadingAfterWait
        /// The grace period passed: the policy's step (force, snapshot, wait) is under way.
        case applyingPolicy
        /// The `wait` policy: loaded until `held` hives lose their last reference.
        case leftLoaded(held: Int, watch: Int)
        /// The last reference of a hive left loaded went: a plain unload.
        case unloadingLeftLoaded(watch: Int)
        /// Upload attempt `attempt` (0 the first, then the retries) is under way.
        case uploading(attempt: Int)
        /// Upload attempt `attempt` waits until `at`.
        case waitingToRetry(attempt: Int, at: Duration)
        /// Nothing left to do.
        case done
    }

    /// What happens, told to the machine.
    public enum Event: Sendable, Hashable {
        /// The logoff begins (the last session and loadUserProfile holder gone).
        case begin
        /// The result of `.unload`: how many hives are still loaded (held), and who holds them.
        case unloadTried(hivesLeft: Int, held: LeakReport)
        /// One watched hive lost its last reference (from `.watchReferences(watch)`).
        case referenceDropped(watch: Int)
        /// The clock (the deadline of a `.wakeUp` has come).
        case tick
        /// The user logged on again.
        case logon
        /// The result of `.forceUnload` or `.moveToSnapshot`: what held the hives, what failed,
        /// and how many hives are still loaded after it.
        case policyApplied(held: LeakReport, failures: [String], hivesLeft: Int)
        /// The result of `.leaveLoaded`: what holds the hives, and how many are still loaded.
        case leftLoaded(held: LeakReport, hivesLeft: Int)
        /// An upload attempt ended.
        case uploadFinished(roamingCopy: String)
        case uploadFailed
    }

    /// What the actor does. Those marked "→" are answered with the event named.
    public enum Action: Sendable, Hashable {
        /// Write the pending-work journal's entry for the user (or remove it).
        case journal(PendingWork.Stage)
        case clearJournal
        /// → `unloadTried`: a plain unload of every hive still loaded.
        case unload
        /// Write the hives now (the restart after a crash during the wait finishes from them).
        case flush
        /// Event 1530 with the references of this moment.
        case reportStillInUse(LeakReport)
        /// → `referenceDropped(watch)` once for each hive still loaded, when its last reference goes.
        case watchReferences(watch: Int)
        /// Event 9002.
        case announceGracePeriod
        /// → `tick` at `at` (replacing an earlier wake-up); `cancelWakeUp` drops it.
        case wakeUp(at: Duration)
        case cancelWakeUp
        /// → `policyApplied`: unload by force (events 9530 and, when it failed, 9531).
        case forceUnload
        /// → `policyApplied`: references to a read-only copy, then unload (event 9550).
        case moveToSnapshot
        /// → `leftLoaded`: stay loaded (event 9540).
        case leaveLoaded
        /// The hives are gone: forget the profile (event 9003).
        case forgetProfile
        /// A temporary profile: delete it (event 9570).
        case discardTemporary
        /// → `uploadFinished` or `uploadFailed`: one upload attempt (events 6 and 7, or 1509 and 1504).
        case upload(attempt: Int)
        /// Event 9560: the upload succeeded on retry `attempt`.
        case announceRetried(attempt: Int)
        /// Event 9561: the retries ran out.
        case announceGaveUp
        /// Event 9541: the hives left loaded are unloaded now (and uploaded, or not yet).
        case announceLeftLoadedUnloaded(uploaded: Bool)
        /// Event 9010: a logon took the profile back (during the grace period, or while left loaded).
        case announceLogonReused(whileLeftLoaded: Bool)
        /// The logoff's caller gets its outcome now (the rest goes on without it).
        case report(LogoffOutcome)
    }

    public private(set) var state: State = .loaded
    /// What the logoff did so far (reported once by `.report`).
    public private(set) var outcome = LogoffOutcome()

    let policy: UnloadPolicy
    let gracePeriod: Duration
    let firstRetryDelay: Duration
    let uploadRetries: Int
    /// Whether the profile is uploaded once unloaded: false for a temporary one or without a store.
    let roams: Bool
    let isTemporary: Bool
    private var reported = false
    private var watch = 0
    /// The `wait` policy left the hives loaded (the unload's end says so in event 9541).
    private var wasLeftLoaded = false
    private var resuming = false
    /// The user logged on again while an upload was under way: no retry after it.
    private var loggedOnAgain = false

    public init(policy: UnloadPolicy, gracePeriod: Duration, firstRetryDelay: Duration, uploadRetries: Int,
                roams: Bool, isTemporary: Bool) {
        self.policy = policy
        self.gracePeriod = gracePeriod
        self.firstRetryDelay = firstRetryDelay
        self.uploadRetries = max(uploadRetries, 1)
        self.roams = roams && !isTemporary
        self.isTemporary = isTemporary
    }

    /// A machine for an upload a restart interrupted (the hives are files, not loaded): `begin`
    /// starts at the upload.
    public static func resumingUpload(firstRetryDelay: Duration, uploadRetries: Int) -> LogoffStateMachine {
        var m = LogoffStateMachine(policy: .force, gracePeriod: .zero, firstRetryDelay: firstRetryDelay,
                                   uploadRetries: uploadRetries, roams: true, isTemporary: false)
        m.resuming = true
        return m
    }

    public mutating func handle(_ event: Event, now: Duration) -> [Action] {
        switch (state, event) {
        // 1. The first, plain unload.
        case (.loaded, .begin) where resuming:
            state = .uploading(attempt: 0)
            return [.journal(.upload), .upload(attempt: 0)]
        case (.loaded, .begin):
            state = .unloading
            return [.journal(.logoff), .unload]
        case (.loaded, .logon):
            // The user logged on again before the logoff began: the profile is that session's.
            outcome.unload = .cancelled
            state = .done
            return reportOnce()
        case (.unloading, .unloadTried(0, _)):
            outcome.unload = .clean
            return hivesGone()
        case let (.unloading, .unloadTried(left, held)):
            outcome.leakReport = held
            watch += 1
            state = .gracePeriod(deadline: now + gracePeriod, held: left, watch: watch)
            return [.flush, .reportStillInUse(held), .watchReferences(watch: watch), .announceGracePeriod,
                    .wakeUp(at: now + gracePeriod)]

        // 2. The wait ends: the references went, the grace period passed, or a logon came.
        case let (.gracePeriod(deadline, held, w), .referenceDropped(dropped)) where dropped == w:
            guard held <= 1 else {
                state = .gracePeriod(deadline: deadline, held: held - 1, watch: w)
                return []
            }
            state = .unloadingAfterWait
            return [.cancelWakeUp, .unload]
        case (.unloadingAfterWait, .unloadTried(0, _)):
            outcome.unload = .afterWaiting
            return hivesGone()
        case (.unloadingAfterWait, .unloadTried):
            // Opened again between the last close and the unload: as if the grace period passed.
            return applyPolicy()
        case let (.gracePeriod(deadline, _, _), .tick) where now >= deadline:
            return applyPolicy()
        case (.gracePeriod, .logon):
            outcome.unload = .cancelled
            state = .done
            return [.cancelWakeUp, .clearJournal, .announceLogonReused(whileLeftLoaded: false)] + reportOnce()

        // 3. The policy's step, and what it found.
        case let (.applyingPolicy, .policyApplied(held, failures, left)):
            outcome.unloadFailures = failures
            guard left == 0 else {
                // Still loaded (the unload failed): not uploaded; the journal keeps `logoff`, so
                // the next start brings the files up to date and uploads them.
                outcome.unload = .forceFailed(held)
                state = .done
                return reportOnce()
            }
            outcome.unload = policy == .snapshot ? .snapshot(held) : .forced(held)
            return hivesGone()
        case let (.applyingPolicy, .leftLoaded(held, left)):
            outcome.unload = .waiting(held)
            wasLeftLoaded = true
            watch += 1
            guard left > 0 else {
                // Nothing to wait for after all: unload now.
                state = .unloadingLeftLoaded(watch: watch)
                return reportOnce() + [.unload]
            }
            state = .leftLoaded(held: left, watch: watch)
            return [.watchReferences(watch: watch)] + reportOnce()
        case let (.leftLoaded(held, w), .referenceDropped(dropped)) where dropped == w:
            guard held <= 1 else {
                state = .leftLoaded(held: held - 1, watch: w)
                return []
            }
            state = .unloadingLeftLoaded(watch: w)
            return [.unload]
        case (.unloadingLeftLoaded, .unloadTried(0, _)):
            return hivesGone()
        case let (.unloadingLeftLoaded, .unloadTried(left, _)):
            // Opened again meanwhile: wait for those references too.
            watch += 1
            state = .leftLoaded(held: left, watch: watch)
            return [.watchReferences(watch: watch)]
        case (.leftLoaded, .logon):
            state = .done
            return [.clearJournal, .announceLogonReused(whileLeftLoaded: true)]

        // 4. The upload, and its retries.
        case let (.uploading(attempt), .uploadFinished(copy)):
            state = .done
            if !reported {
                outcome.uploaded = true
                outcome.roamingCopy = copy
            }
            var actions: [Action] = [.clearJournal]
            if attempt > 0 { actions.append(.announceRetried(attempt: attempt)) }
            if wasLeftLoaded && attempt == 0 { actions.append(.announceLeftLoadedUnloaded(uploaded: true)) }
            return actions + reportOnce()
        case let (.uploading(attempt), .uploadFailed):
            var actions: [Action] = []
            if attempt == 0 {
                if !reported { outcome.uploadPending = true }
                if wasLeftLoaded { actions.append(.announceLeftLoadedUnloaded(uploaded: false)) }
            }
            guard attempt < uploadRetries, !loggedOnAgain else {
                state = .done
                return actions + (loggedOnAgain ? [] : [.announceGaveUp]) + reportOnce()
            }
            let at = now + retryDelay(after: attempt)
            state = .waitingToRetry(attempt: attempt + 1, at: at)
            return actions + [.wakeUp(at: at)] + reportOnce()
        case let (.waitingToRetry(attempt, at), .tick) where now >= at:
            state = .uploading(attempt: attempt)
            return [.upload(attempt: attempt)]
        case (.uploading, .logon):
            loggedOnAgain = true
            return []
        case (.waitingToRetry, .logon):
            // That session's logoff uploads.
            state = .done
            return [.cancelWakeUp, .clearJournal]

        default:
            // A late event (a wake-up or a reference from a wait already over): nothing to do.
            return []
        }
    }

    /// The grace period passed (or the references came back): what the policy says.
    private mutating func applyPolicy() -> [Action] {
        state = .applyingPolicy
        switch policy {
        case .force: return [.forceUnload]
        case .snapshot: return [.moveToSnapshot]
        case .wait: return [.leaveLoaded]
        }
    }

    /// The hives are unloaded: forget the profile, then upload it (or discard a temporary one).
    private mutating func hivesGone() -> [Action] {
        var actions: [Action] = [.forgetProfile]
        if isTemporary { actions.append(.discardTemporary) }
        guard roams else {
            state = .done
            if wasLeftLoaded { actions.append(.announceLeftLoadedUnloaded(uploaded: false)) }
            return actions + [.clearJournal] + reportOnce()
        }
        state = .uploading(attempt: 0)
        return actions + [.journal(.upload), .upload(attempt: 0)]
    }

    /// Before retry `attempt + 1`: `firstRetryDelay`, doubling.
    private func retryDelay(after attempt: Int) -> Duration {
        firstRetryDelay * (1 << min(attempt, 30))
    }

    private mutating func reportOnce() -> [Action] {
        guard !reported else { return [] }
        reported = true
        return [.report(outcome)]
    }

    /// Whether the machine has nothing left to do.
    public var isDone: Bool { state == .done }
}
