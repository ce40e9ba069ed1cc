import Foundation
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
    }

    public var endedProcesses: [ProcessID] = []
    public var notifiedServices: [String] = []
    /// The leak report of the first failed unload (event 1530), if there was one.
    public var leakReport: LeakReport?
    public var unload: Unload = .clean
    public var uploaded = false
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
    public func logoff(session: Int) async throws(ProfileError) -> LogoffOutcome {
        guard let account = sessions.removeValue(forKey: session) else { throw .noSuchSession(session) }
        var outcome = LogoffOutcome()
        event(EventID.logoffReceived, account, "Received user logoff notification on session \(session)")
        for p in machine.processes(inSession: session) {
            machine.endProcess(p.pid)
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
        let result = await unloadAndUpload(profile)
        outcome.leakReport = result.leakReport
        outcome.unload = result.unload
        outcome.uploaded = result.uploaded
        event(EventID.logoffFinished, account, "Finished processing user logoff notification on session \(session)")
        return outcome
    }

    /// Unload (waiting, then forcing, as the logoff describes) and upload.
    func unloadAndUpload(_ profile: Loaded) async -> LogoffOutcome {
        var outcome = LogoffOutcome()
        let account = profile.account
        let registry = machine.registry
        let hives = [profile.userPath, profile.classesPath]
        if !tryUnload(hives) {
            // Event 1530 at the first failed attempt, with the references of that moment.
            let report = combinedReport(hives)
            outcome.leakReport = report
            event(EventID.hiveStillInUse, account,
                  "Windows detected your registry file is still in use by other applications or services. The file will be unloaded now. The applications or services that hold your registry file may not function properly afterwards.",
                  report.lines, level: .warning)
            // Only the hives still loaded (the other may have unloaded cleanly).
            let remaining = hives.filter { registry.loadedHives.contains($0) }
            let wait = GraceWait(hives: remaining.count)
            profile.pendingLogoff = wait
            for h in remaining {
                do throws(Win32Error) {
                    try registry.whenUnreferenced(hiveAt: h) { wait.hiveUnreferenced() }
                } catch {
                    wait.hiveUnreferenced()  // gone meanwhile
                }
            }
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
                return outcome
            case .unreferenced:
                outcome.unload = .afterWaiting
                if !tryUnload(hives) { fallthrough }
            case .gracePassed:
                let broken = combinedReport(hives)
                for h in hives where registry.loadedHives.contains(h) { try? registry.unloadHive(at: h, force: true) }
                outcome.unload = .forced(broken)
                event(EventID.forcedUnloadBroke, account,
                      "The registry was unloaded by force; these references now fail with ERROR_KEY_DELETED", broken.lines, level: .warning)
            }
        } else {
            outcome.unload = .clean
        }
        loaded[account.sid] = nil
        machine.userHiveLoaded(profile.userPath, false)
        event(EventID.hiveUnloaded, account, "Unloaded \(hives.joined(separator: " and "))")
        if let store {
            event(EventID.synchronizeStarted, account, "Starting synchronize profile from \(layout.userHive(account.name).path) to the roaming store")
            do {
                try store.upload(account.name, from: layout.userHive(account.name))
                outcome.uploaded = true
                event(EventID.synchronizeFinished, account, "Finished synchronize profile. Result: success")
            } catch {
                event(EventID.synchronizeFinished, account, "Finished synchronize profile. Result: \(error)", level: .error)
            }
        }
        return outcome
    }

    /// A plain unload of every hive still loaded; true when none is left.
    private func tryUnload(_ hives: [String]) -> Bool {
        let registry = machine.registry
        var all = true
        for h in hives where registry.loadedHives.contains(h) {
            do throws(Win32Error) {
                try registry.unloadHive(at: h)
            } catch {
                all = false
            }
        }
        return all
    }

    private func combinedReport(_ hives: [String]) -> LeakReport {
        let reports = hives.map { machine.leakReport(for: $0) }
        return LeakReport(hive: hives.joined(separator: ", "), entries: reports.flatMap(\.entries))
    }
}
