import Foundation
import HiveFormat
import Locking
import Security

/// Application hives (RegLoadAppKey; windows-semantics.md §3.3): loaded under \REGISTRY\A, a
/// root no path reaches, so only the returned handle (and handles opened below it) lead in;
/// unloaded — flushed first — when the last handle into it closes.
///
/// A load reads its file outside the registry's lock (`Registry.loadAppKey`): the file is found
/// (device and inode) and opened with the caller's rights on the caller's thread, then mounted
/// under the lock. Two loads of one file at once: the first claims it (`AppHiveLoad`), the other
/// waits for that load to end, then finds the hive loaded (or fails as the first did).
extension RegistryCore {
    /// What a load of an app hive does next, decided under the lock.
    enum AppHiveStep {
        /// The file is loaded already: a handle to that hive.
        case opened(KeyHandle)
        /// Another load of the same file is reading it: wait for it, then look again.
        case wait(AppHiveLoad)
        /// This load reads the file (outside the lock), then `mountAppHive`s it.
        case load(AppHiveLoad)
    }

    /// RegLoadAppKey, first step: no privilege is needed; the root's descriptor must grant
    /// `access`. `id` is the file as the caller reaches it (nil: not there yet, to be created). A
    /// file already loaded as an app hive gives a handle to that hive — unless it, or this load,
    /// is REG_PROCESS_APPKEY: then ERROR_SHARING_VIOLATION (our choice of code; the
    /// documentation says only that it "cannot be loaded again").
    func beginAppHiveLoad(file: String, id: FileID?, access: AccessMask, options: AppKeyOptions,
                          _ caller: RegistryCaller) throws(Win32Error) -> AppHiveStep {
        if let id, let m = appHives.first(where: { $0.editor?.fileID == id }) {
            return .opened(try openLoadedAppHive(m, access: access, options: options, caller))
        }
        // A file not there yet is known by its path until its creator mounts it.
        if let other = appHiveLoads.first(where: { ($0.id != nil && $0.id == id) || $0.file == file }) { return .wait(other) }
        let load = AppHiveLoad(file: file, id: id)
        appHiveLoads.append(load)
        return .load(load)
    }

    /// The load's file, opened outside the lock, mounted (or, when the same file came to be
    /// loaded meanwhile, given back for that hive); the claim ends either way.
    func mountAppHive(_ editor: HiveEditor, _ load: AppHiveLoad, access: AccessMask, options: AppKeyOptions,
                      _ caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        defer { endAppHiveLoad(load) }
        if let id = editor.fileID, let m = appHives.first(where: { $0.editor?.fileID == id }) {
            editor.close()
            return try openLoadedAppHive(m, access: access, options: options, caller)
        }
        let m = HiveMount(path: "\\REGISTRY\\A\\{\(UUID().uuidString)}", name: RegistryName("A"), editor: editor,
                          file: load.file, isSystem: false)
        m.fileIdentity = caller.files
        m.isAppHive = true
        m.appOwner = options.contains(.processAppKey) ? caller.process : nil
        let root = KeyPosition.stored(m, m.rootCell)
        let granted: AccessMask
        do throws(Win32Error) {
            granted = try accessCheck(root, access, caller, options: [])
        } catch {
            detach(m)
            throw error
        }
        mounts[m.path.uppercased()] = m
        applyQuota(m)
        appHives.append(m)
        return try newHandle(object(for: root), access: granted, caller)
    }

    /// The load's claim ends (its file could not be opened, or it is mounted): those waiting
    /// for it look again.
    func endAppHiveLoad(_ load: AppHiveLoad) {
        appHiveLoads.removeAll { $0 === load }
        load.finish()
    }

    private func openLoadedAppHive(_ m: HiveMount, access: AccessMask, options: AppKeyOptions,
                                   _ caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        guard m.appOwner == nil, !options.contains(.processAppKey) else { throw .sharingViolation }
        let root = KeyPosition.stored(m, m.rootCell)
        let granted = try accessCheck(root, access, caller, options: [])
        return try newHandle(object(for: root), access: granted, caller)
    }

    /// The last handle into an app hive closed: it is written and unloaded. If the write fails
    /// the hive stays loaded (a later flush retries) rather than losing the changes.
    func unloadAppHive(_ m: HiveMount) {
        do {
            try flush(m)
        } catch {
            return
        }
        appHives.removeAll { $0 === m }
        for o in Array(m.objects.values) + Array(m.volatileObjects.values) { kill(o, .hiveUnloaded) }
        detach(m)
    }

    /// A new app hive's descriptor (our choice; Windows does not document it): the user who
    /// made it, SYSTEM and Administrators have full control — a private file of that user's.
    static func appHiveSecurity(for caller: RegistryCaller) throws(Win32Error) -> SecurityDescriptor {
        let u = caller.token.user
        guard let sd = try? SecurityDescriptor(sddl: "O:\(u)G:\(u)D:P(A;CI;KA;;;\(u))(A;CI;KA;;;SY)(A;CI;KA;;;BA)") else { throw .invalidParameter }
        return sd
    }
}

/// An app hive's file being read outside the registry's lock: claimed under the lock by the load
/// that reads it (by device and inode, or by path while the file is still to be created), so a
/// second load of the same file waits for this one rather than racing it for the file's lock.
final class AppHiveLoad: Sendable {
    let file: String
    let id: FileID?
    private let done = LockedCondition(false)

    init(file: String, id: FileID?) {
        self.file = file
        self.id = id
    }

    func finish() { done.withLock { $0 = true } }

    /// Returns once the load has ended (mounted, or failed).
    func waitUntilFinished() { done.wait { $0 ? () : nil } }
}
