import Foundation
import HiveFormat
import RegistryTypes

/// The roaming side of a logoff: the upload under the store lock, and the reconcile with a copy
/// another machine uploaded since logon. Not on the ProfileService actor: the store's calls are
/// async and block only threads of their own (an SMB server that does not answer holds one up to
/// roaming_timeout), and the local work here (the merge, the base's copy) runs on one too, so
/// the actor goes on answering logons and queries meanwhile.
struct RoamingSync: Sendable {
    let store: any RoamingStore
    let layout: StateLayout
    let events: EventLog
    let conflicts: RoamingConflictPolicy
    /// This machine, as the store lock names its owner.
    let machineName: String
    let storeLockLifetime: Duration
    let now: @Sendable () -> Date
    let metrics: ProfileMetrics

    /// One upload attempt, with its events (6, then 7; on failure 1509 and 1504). Under the store
    /// lock: if the store's copy is no longer the one this machine fetched (another machine
    /// logged off since), the conflict policy decides first — overwrite (event 9600) or merge
    /// (9601) — then the copy is replaced.
    func upload(_ user: String) async -> Bool {
        let local = layout.userHive(user)
        event(EventID.synchronizeStarted, user, "Starting synchronize profile from \(local.path) to the roaming store")
        let owner = "\(machineName) pid \(getpid())"
        let started = now()
        var succeeded = false
        defer { metrics.upload(succeeded: succeeded, seconds: now().timeIntervalSince(started)) }
        do {
            let lifetime = Double(storeLockLifetime.components.seconds) + Double(storeLockLifetime.components.attoseconds) / 1e18
            let lease = try await store.lock(user, owner: owner, now: now(), lifetime: lifetime)
            // Renewed while the compare and the upload run; checked before every step that
            // replaces the store's copy (docs/roaming.md); given back whatever happens.
            let keeper = LeaseKeeper(store: store, user: user, lease: lease, now: now)
            let result: Result<Void, any Error>
            do {
                try await keeper.check()
                try await reconcile(user, local: local)
                try await store.upload(user, from: local, beforeReplace: { try await keeper.check() })
                let base = layout.roamingBase(user)
                await BlockingWork.run("roaming base \(user)") { try? keepAsBase(local, base) }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            await store.unlock(user, await keeper.stop())
            try result.get()
            event(EventID.synchronizeFinished, user, "Finished synchronize profile. Result: success")
            succeeded = true
            return true
        } catch {
            if let lost = error as? LeaseLost {
                event(EventID.storeLockLost, user,
                      "The roaming store's lock was lost before this machine replaced the store's copy; the store keeps the newer holder's copy and this machine's changes stay in the local copy, to be uploaded (compared and reconciled again) on retry",
                      [lost.description], level: .warning)
            }
            event(EventID.unableToCopy, user, "Windows was unable to copy \(local.path) to the roaming store: \(error)", level: .error)
            event(EventID.cannotUpdateRoaming, user,
                  "Windows cannot update your roaming profile completely; the local copy is kept and the upload will be retried",
                  level: .warning)
            return false
        }
    }

    /// When the store's copy changed since this machine fetched it: last writer wins (the
    /// overwritten copy named) or a merge into the local hive (every conflict listed).
    private func reconcile(_ user: String, local: URL) async throws {
        let base = layout.roamingBase(user)
        // The store's copy still has the base's size and last-write time: unchanged, known
        // without reading it (an upload gives the store's copy the local file's time).
        guard let stamp = try await store.stamp(of: user) else { return }
        if let baseStamp = RoamingStamp.of(base), baseStamp.matches(stamp) { return }
        guard let current = try await store.copy(of: user) else { return }
        let baseData = await BlockingWork.run("roaming base \(user)") { FileManager.default.contents(atPath: base.path) }
        guard baseData.map(fnv1a) != current.hash else { return }
        let theirs = "written \(current.lastWritten), \(current.size) bytes, hash \(String(current.hash, radix: 16))"
        switch conflicts {
        case .lastWriterWins:
            event(EventID.roamingOverwritten, user,
                  "The roaming copy changed since logon (another machine logged off); this machine's copy replaces it (last writer wins)",
                  ["overwritten: \(theirs)"], level: .warning)
        case .merge:
            let theirsFile = local.deletingLastPathComponent().appendingPathComponent("NTUSER.DAT.theirs")
            try? FileManager.default.removeItem(at: theirsFile)
            try await store.download(user, to: theirsFile)
            let conflicts = try await BlockingWork.run("roaming merge \(user)") { () throws -> [RoamingMerge.Conflict] in
                defer { try? FileManager.default.removeItem(at: theirsFile) }
                let baseTree = try baseData.map { try RoamingMerge.read(try Hive(bytes: [UInt8]($0))) } ?? [:]
                let theirsTree = try RoamingMerge.read(try Hive(bytes: [UInt8](try Data(contentsOf: theirsFile))))
                let oursTree = try RoamingMerge.read(try Hive(bytes: [UInt8](try Data(contentsOf: local))))
                let (keys, conflicts) = RoamingMerge(base: baseTree, ours: oursTree, theirs: theirsTree).merged()
                try RoamingMerge.write(keys, into: local)
                return conflicts
            }
            event(EventID.roamingMerged, user,
                  "The roaming copy changed since logon (another machine logged off); merged with it: \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"), this machine's side kept",
                  ["theirs: \(theirs)"] + conflicts.map(\.description), level: conflicts.isEmpty ? .information : .warning)
        }
    }

    private func event(_ id: Int, _ user: String, _ message: String, _ details: [String] = [], level: ProfileEvent.Level = .information) {
        events.record(ProfileEvent(id: id, time: now(), level: level, user: user, message: message, details: details))
    }
}

/// Keeps `local` as the roaming base: the store's copy as this machine last saw it, with the
/// same last-write time (what `reconcile` compares first).
func keepAsBase(_ local: URL, _ base: URL) throws {
    try? FileManager.default.removeItem(at: base)
    try FileManager.default.copyItem(at: local, to: base)
    try FileManager.default.setAttributes([.modificationDate: try lastWriteTime(local)], ofItemAtPath: base.path)
}
