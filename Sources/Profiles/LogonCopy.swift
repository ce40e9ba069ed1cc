import Foundation
import RegistryTypes
import Security

/// Logon's choice of NTUSER.DAT, made off the ProfileService actor (the store's calls are async,
/// blocking threads of their own; the local copies run on one too): the newer of the local and
/// roaming copies becomes the local one.
struct LogonCopy: Sendable {
    enum Choice: Sendable { case use, temporary }

    let store: (any RoamingStore)?
    let layout: StateLayout
    let events: EventLog
    let now: @Sendable () -> Date

    /// The newer of the local and roaming NTUSER.DAT becomes the local copy (KB146192); a new
    /// user's comes from Default User; a store that cannot be reached leaves the local copy (event
    /// 1506) or, without one, a temporary profile.
    func choose(_ account: Account) async -> Choice {
        let local = layout.userHive(account.name)
        let fm = FileManager.default
        let localTime = fm.fileExists(atPath: local.path) ? try? lastWriteTime(local) : nil
        do {
            try fm.createDirectory(at: layout.profile(account.name), withIntermediateDirectories: true)
            if let store {
                // The store gone (or refusing us) part-way: the local copy, or a temporary profile.
                func unreachable(_ error: any Error) -> Choice {
                    guard localTime != nil else {
                        event(EventID.roamingUnavailable, account.name, "The roaming profile cannot be reached (\(error)) and there is no local copy", level: .warning)
                        return .temporary
                    }
                    event(EventID.roamingUnavailable, account.name, "The roaming profile cannot be reached (\(error)); the local copy is used", level: .warning)
                    return .use
                }
                let remote: RoamingStamp?
                do {
                    remote = try await store.stamp(of: account.name)
                } catch {
                    return unreachable(error)
                }
                let base = layout.roamingBase(account.name)
                // Newer by at least a millisecond: below that, times are the same copy's time
                // carried through a store (Date's rounding left a microsecond of noise).
                if let remote, localTime.map({ remote.lastWritten.timeIntervalSince($0) >= 0.001 }) ?? true {
                    do {
                        try await store.download(account.name, to: local)
                    } catch {
                        return unreachable(error)
                    }
                    try await BlockingWork.run("roaming base \(account.name)") { try keepAsBase(local, base) }
                    event(EventID.synchronizeFinished, account.name, "Roaming copy is newer: downloaded to \(local.path)")
                    return .use
                }
                // What the store holds now is what this session's logoff must not overwrite
                // unknowingly: kept as the base (fetched only when the base is not it already).
                if let remote, RoamingStamp.of(base).map({ !$0.matches(remote) }) ?? true {
                    do {
                        try await store.download(account.name, to: base)
                    } catch {
                        return unreachable(error)
                    }
                } else if remote == nil {
                    try? FileManager.default.removeItem(at: base)
                }
            }
            if localTime == nil {
                let defaultUser = layout.defaultUserHive, security = userHiveSecurity(account.sid)
                try await BlockingWork.run("new profile \(account.name)") {
                    try atomicCopy(from: defaultUser, to: local)
                    try setSecurityEverywhere(of: local, to: security)
                }
                event(EventID.profileCreated, account.name, "New profile from Default User")
            }
            return .use
        } catch {
            event(EventID.cannotLoadLocalProfile, account.name, "The profile could not be prepared: \(error)", level: .error)
            return .temporary
        }
    }

    private func event(_ id: Int, _ user: String, _ message: String, level: ProfileEvent.Level = .information) {
        events.record(ProfileEvent(id: id, time: now(), level: level, user: user, message: message))
    }
}
