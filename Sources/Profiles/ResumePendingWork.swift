import Foundation
import HiveFormat
import RegistryTypes

extension ProfileService {
    /// At start, before anyone logs on: finishes what a crash interrupted (PendingWork). Nothing
    /// is loaded after a restart, so a logoff caught mid-way is finished by bringing the user's
    /// hive files up to date from their logs (as mounting them would) and uploading; an upload
    /// caught mid-way is retried. Returns the users whose work was resumed. A failed upload is
    /// retried as at logoff; a hive that cannot be brought up to date is not uploaded (the store
    /// keeps the copy it had) and its entry stays for the next start.
    public func resumePendingWork() async -> [String] {
        var resumed: [String] = []
        for (user, stage, unreadable) in pending.all() {
            resumed.append(user)
            let what = stage == .logoff ? "A logoff interrupted by a restart" : "An upload interrupted by a restart"
            event(EventID.resumedAfterRestart, user: user, "\(what) is finished now",
                  unreadable.map { ["its record is damaged (\($0)): the whole logoff is done again"] } ?? [])
            guard store != nil else {
                pending.clear(user)
                continue
            }
            do {
                for hive in [layout.userHive(user), layout.classesHive(user)]
                where FileManager.default.fileExists(atPath: hive.path) {
                    try Self.bringUpToDate(hive)
                }
            } catch {
                event(EventID.unableToCopy, user: user, "The profile's registry file could not be brought up to date from its logs: \(error); it is not uploaded",
                      level: .error)
                continue
            }
            // The upload and its retries, as at logoff (LogoffStateMachine); the first attempt is
            // over before this returns (before anyone can log on again).
            let machine = LogoffStateMachine.resumingUpload(firstRetryDelay: firstRetryDelay, uploadRetries: uploadRetries)
            _ = await withCheckedContinuation { reply in start(user, machine, profile: nil, reply: reply) }
        }
        return resumed
    }

    /// Opening a hive for writing replays its logs into the primary file when it is dirty
    /// (HiveEditor.open); closing it leaves a clean primary to upload.
    static func bringUpToDate(_ hive: URL) throws(HiveError) {
        guard isDirty(hive) else { return }
        try HiveEditor.open(path: hive.path).close()
    }
}
