import Profiles
import Testing

/// LogoffStateMachine alone: no registry, no store, no sleeping — events in, actions out, the
/// clock passed with each event.
struct LogoffStateMachineTests {
    typealias Machine = LogoffStateMachine
    static let held = LeakReport(hive: "\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001", entries: [])
    static let grace = Duration.seconds(30)

    /// How a grace-period wait ends.
    enum WaitEnd: CaseIterable { case referencesClose, gracePasses, logon }

    static func machine(_ policy: UnloadPolicy, roams: Bool = true, retries: Int = 3) -> Machine {
        Machine(policy: policy, gracePeriod: grace, firstRetryDelay: .seconds(5), uploadRetries: retries,
                roams: roams, isTemporary: false)
    }

    /// Begins a logoff whose first unload finds two hives held; returns the watch to drop.
    static func beginHeld(_ m: inout Machine) -> Int {
        #expect(m.handle(.begin, now: .zero) == [.journal(.logoff), .unload])
        let actions = m.handle(.unloadTried(hivesLeft: 2, held: held), now: .zero)
        guard case let .watchReferences(watch) = actions[2] else {
            Issue.record("\(actions)")
            return 0
        }
        #expect(actions == [.flush, .reportStillInUse(held), .watchReferences(watch: watch), .announceGracePeriod,
                            .wakeUp(at: grace)])
        return watch
    }

    @Test func nothingHoldsTheHives() {
        var m = Self.machine(.force)
        _ = m.handle(.begin, now: .zero)
        #expect(m.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .zero)
            == [.forgetProfile, .journal(.upload), .upload(attempt: 0)])
        var done = m.outcome
        done.uploaded = true
        done.roamingCopy = "store"
        #expect(m.handle(.uploadFinished(roamingCopy: "store"), now: .milliseconds(1)) == [.clearJournal, .report(done)])
        #expect(m.isDone && m.outcome.unload == .clean)
    }

    /// Every policy × every way the wait ends × an upload that succeeds or fails.
    @Test(arguments: UnloadPolicy.allCases, WaitEnd.allCases)
    func everyPolicyAndEveryEndOfTheWait(policy: UnloadPolicy, end: WaitEnd) {
        for uploadFails in [false, true] {
            var m = Self.machine(policy)
            let watch = Self.beginHeld(&m)
            // A tick before the deadline, and a reference dropped from an older watch: nothing.
            #expect(m.handle(.tick, now: .seconds(10)).isEmpty)
            #expect(m.handle(.referenceDropped(watch: watch + 7), now: .seconds(11)).isEmpty)
            var reported: LogoffOutcome?
            switch end {
            case .logon:
                let a = m.handle(.logon, now: .seconds(12))
                #expect(Array(a.prefix(3)) == [.cancelWakeUp, .clearJournal, .announceLogonReused(whileLeftLoaded: false)])
                #expect(m.isDone && m.outcome.unload == .cancelled && !m.outcome.uploaded)
                continue
            case .referencesClose:
                #expect(m.handle(.referenceDropped(watch: watch), now: .seconds(12)).isEmpty)
                #expect(m.handle(.referenceDropped(watch: watch), now: .seconds(13)) == [.cancelWakeUp, .unload])
                #expect(m.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .seconds(13))
                    == [.forgetProfile, .journal(.upload), .upload(attempt: 0)])
                #expect(m.outcome.unload == .afterWaiting)
            case .gracePasses:
                let a = m.handle(.tick, now: Self.grace)
                switch policy {
                case .force:
                    #expect(a == [.forceUnload])
                    #expect(m.handle(.policyApplied(held: Self.held, failures: [], hivesLeft: 0), now: Self.grace)
                        == [.forgetProfile, .journal(.upload), .upload(attempt: 0)])
                    #expect(m.outcome.unload == .forced(Self.held))
                case .snapshot:
                    #expect(a == [.moveToSnapshot])
                    #expect(m.handle(.policyApplied(held: Self.held, failures: [], hivesLeft: 0), now: Self.grace)
                        == [.forgetProfile, .journal(.upload), .upload(attempt: 0)])
                    #expect(m.outcome.unload == .snapshot(Self.held))
                case .wait:
                    #expect(a == [.leaveLoaded])
                    let left = m.handle(.leftLoaded(held: Self.held, hivesLeft: 1), now: Self.grace)
                    guard case let .watchReferences(next) = left.first, case let .report(o) = left.last else {
                        Issue.record("\(left)")
                        continue
                    }
                    #expect(next != watch && o.unload == .waiting(Self.held))
                    reported = o
                    // The old watch's callbacks are stale; the new one's last reference unloads.
                    #expect(m.handle(.referenceDropped(watch: watch), now: .seconds(40)).isEmpty)
                    #expect(m.handle(.referenceDropped(watch: next), now: .seconds(50)) == [.unload])
                    #expect(m.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .seconds(50))
                        == [.forgetProfile, .journal(.upload), .upload(attempt: 0)])
                }
            }
            let t = Duration.seconds(60)
            if uploadFails {
                let a = m.handle(.uploadFailed, now: t)
                #expect(a.contains(.wakeUp(at: t + .seconds(5))))
                #expect(a.contains(.announceLeftLoadedUnloaded(uploaded: false)) == (policy == .wait && end == .gracePasses))
                if reported == nil {
                    guard case let .report(o) = a.last else { Issue.record("\(a)"); continue }
                    #expect(o.uploadPending && !o.uploaded)
                }
                #expect(m.handle(.tick, now: t + .seconds(4)).isEmpty)
                #expect(m.handle(.tick, now: t + .seconds(5)) == [.upload(attempt: 1)])
                #expect(m.handle(.uploadFinished(roamingCopy: "store"), now: t + .seconds(6))
                    == [.clearJournal, .announceRetried(attempt: 1)])
            } else {
                let a = m.handle(.uploadFinished(roamingCopy: "store"), now: t)
                #expect(a.first == .clearJournal)
                #expect(a.contains(.announceLeftLoadedUnloaded(uploaded: true)) == (policy == .wait && end == .gracePasses))
                if reported == nil {
                    guard case let .report(o) = a.last else { Issue.record("\(a)"); continue }
                    #expect(o.uploaded && o.roamingCopy == "store" && !o.uploadPending)
                }
            }
            #expect(m.isDone)
        }
    }

    /// A forced unload that fails is said: the outcome names it, the profile is not uploaded,
    /// and the journal keeps `logoff` (no `.clearJournal`) for the next start.
    @Test(arguments: [UnloadPolicy.force, .snapshot])
    func aFailedForcedUnloadIsReported(policy: UnloadPolicy) {
        var m = Self.machine(policy)
        _ = Self.beginHeld(&m)
        _ = m.handle(.tick, now: Self.grace)
        let a = m.handle(.policyApplied(held: Self.held, failures: ["HKU\\S: flush failed"], hivesLeft: 1), now: Self.grace)
        guard case let .report(o) = a.last, a.count == 1 else { Issue.record("\(a)"); return }
        #expect(o.unload == .forceFailed(Self.held) && o.unloadFailures == ["HKU\\S: flush failed"] && !o.uploaded)
        #expect(m.isDone)
    }

    /// A logon while left loaded takes the profile back; one while a retry waits stops the retries.
    @Test func logonWhileLeftLoadedOrWaitingToRetry() {
        var m = Self.machine(.wait)
        _ = Self.beginHeld(&m)
        _ = m.handle(.tick, now: Self.grace)
        _ = m.handle(.leftLoaded(held: Self.held, hivesLeft: 2), now: Self.grace)
        #expect(m.handle(.logon, now: .seconds(31)) == [.clearJournal, .announceLogonReused(whileLeftLoaded: true)])
        #expect(m.isDone)

        var r = Self.machine(.force)
        _ = r.handle(.begin, now: .zero)
        _ = r.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .zero)
        _ = r.handle(.uploadFailed, now: .zero)
        #expect(r.handle(.logon, now: .seconds(1)) == [.cancelWakeUp, .clearJournal])
        #expect(r.isDone && r.handle(.tick, now: .seconds(5)).isEmpty)
    }

    /// The retries double from the first delay and stop after `uploadRetries` (event 9561).
    @Test func retriesDoubleThenGiveUp() {
        var m = Self.machine(.force, retries: 3)
        _ = m.handle(.begin, now: .zero)
        _ = m.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .zero)
        var now = Duration.zero
        for (attempt, delay) in [(0, 5), (1, 10), (2, 20)] {
            let a = m.handle(.uploadFailed, now: now)
            #expect(a.contains(.wakeUp(at: now + .seconds(delay))), "attempt \(attempt): \(a)")
            now += .seconds(delay)
            #expect(m.handle(.tick, now: now) == [.upload(attempt: attempt + 1)])
        }
        #expect(m.handle(.uploadFailed, now: now) == [.announceGaveUp])
        #expect(m.isDone)
    }

    /// An upload failing after the user logged on again is not retried (that session's logoff uploads).
    @Test func aLogonDuringTheUploadStopsTheRetries() {
        var m = Self.machine(.force)
        _ = m.handle(.begin, now: .zero)
        _ = m.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .zero)
        #expect(m.handle(.logon, now: .zero).isEmpty)
        let a = m.handle(.uploadFailed, now: .zero)
        #expect(!a.contains { if case .wakeUp = $0 { true } else { false } } && m.isDone)
    }

    /// A temporary profile is discarded, never uploaded; without a store nothing is uploaded.
    @Test func temporaryAndStorelessProfilesAreNotUploaded() {
        var t = Machine(policy: .force, gracePeriod: Self.grace, firstRetryDelay: .seconds(5), uploadRetries: 3,
                        roams: true, isTemporary: true)
        _ = t.handle(.begin, now: .zero)
        let a = t.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .zero)
        #expect(Array(a.prefix(3)) == [.forgetProfile, .discardTemporary, .clearJournal] && t.isDone)
        var n = Self.machine(.force, roams: false)
        _ = n.handle(.begin, now: .zero)
        let b = n.handle(.unloadTried(hivesLeft: 0, held: Self.held), now: .zero)
        #expect(Array(b.prefix(2)) == [.forgetProfile, .clearJournal])
    }

    /// A restart's upload begins at the upload.
    @Test func aResumedUploadBeginsAtTheUpload() {
        var m = Machine.resumingUpload(firstRetryDelay: .seconds(5), uploadRetries: 3)
        #expect(m.handle(.begin, now: .zero) == [.journal(.upload), .upload(attempt: 0)])
        let a = m.handle(.uploadFinished(roamingCopy: "store"), now: .zero)
        #expect(a.first == .clearJournal && m.isDone && m.outcome.uploaded)
    }
}

extension LogoffStateMachineTests {
    /// A logon that comes before the logoff began: nothing is unloaded.
    @Test func aLogonBeforeTheLogoffBeganCancelsIt() {
        var m = Self.machine(.force)
        let a = m.handle(.logon, now: .zero)
        guard case let .report(o) = a.first, a.count == 1 else { Issue.record("\(a)"); return }
        #expect(o.unload == .cancelled && m.isDone && m.handle(.begin, now: .zero).isEmpty)
    }
}
