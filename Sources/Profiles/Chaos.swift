import Foundation
import Registry
import RegistryTypes

extension ProfileService {
    /// Chaos for developers (`hivekeeper chaos force-unload USER`): what a logoff's grace period
    /// ending does to a leaking program, on demand and without logging anyone off. The user's
    /// hives are flushed, then unloaded by force — every handle and HKCU cache into them fails
    /// with ERROR_KEY_DELETED from now on, exactly as after a forced unload at logoff — and
    /// loaded again from the same files, so the user's session goes on: new opens work, only
    /// the references that existed before fail. Returns the references it broke (event 9610
    /// lists them too). ERROR_FILE_NOT_FOUND when the user's profile is not loaded.
    public func chaosForceUnload(_ account: Account) throws(ProfileError) -> LeakReport {
        guard let profile = loaded[account.sid], let file = profile.hiveFile else {
            throw .registry(Win32Error(.fileNotFound, detail: "\(account.name)'s profile is not loaded (not logged on)"))
        }
        let registry = machine.registry
        let hives = [profile.userPath, profile.classesPath]
        for h in hives { try? registry.flushHive(at: h) }
        let broken = combinedReport(hives)
        for h in hives where registry.isHiveLoaded(at: h) {
            do throws(Win32Error) {
                try registry.unloadHive(at: h, force: true)
            } catch {
                throw .registry(error)
            }
        }
        machine.userHiveLoaded(profile.userPath, false)
        event(EventID.chaosForcedUnload, account,
              "Chaos: the registry was unloaded by force on request and loaded again; these references now fail with ERROR_KEY_DELETED",
              broken.lines, level: .warning)
        do throws(Win32Error) {
            try mountProfile(account, profile, hive: file)
        } catch {
            // Not loaded again: the profile is gone as after a logoff (its files are intact).
            loaded[account.sid] = nil
            throw .registry(error)
        }
        return broken
    }
}
