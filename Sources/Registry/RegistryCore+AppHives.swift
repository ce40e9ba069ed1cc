#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HiveFormat
import Security

/// Application hives (RegLoadAppKey; windows-semantics.md §3.3): loaded under \REGISTRY\A, a
/// root no path reaches, so only the returned handle (and handles opened below it) lead in;
/// unloaded — flushed first — when the last handle into it closes.
extension RegistryCore {
    /// RegLoadAppKey: no privilege is needed; the file is created when missing; the root's
    /// descriptor must grant `access`. A file already loaded as an app hive gives a handle to
    /// that hive — unless it, or this load, is REG_PROCESS_APPKEY: then ERROR_SHARING_VIOLATION
    /// (our choice of code; the documentation says only that it "cannot be loaded again").
    func loadAppKey(file: String, access: AccessMask, options: AppKeyOptions, _ caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        // The file as the caller reaches it, opened for writing with the caller's rights (as a
        // load of its own would): a hive already loaded is the same file (device and inode),
        // whatever path led to it, and a caller who could not open it gets no handle to it.
        let loaded = try caller.files.perform { () throws(Win32Error) in try FileID.writable(at: file).mapError { win32($0, file: file) }.get() }
            .flatMap { id in appHives.first { $0.editor?.fileID == id } }
        if let m = loaded {
            guard m.appOwner == nil, !options.contains(.processAppKey) else { throw .sharingViolation }
            let root = KeyPosition.stored(m, m.rootCell)
            let granted = try accessCheck(root, access, caller, options: [])
            return try newHandle(object(for: root), access: granted, caller)
        }
        let security = try Self.appHiveSecurity(for: caller)
        let clock = keyClock
        let editor = try caller.files.perform { () throws(Win32Error) in
            try Self.openOrCreate(file, rootSecurity: security.bytes, clock: clock)
        }
        let m = HiveMount(path: "\\REGISTRY\\A\\{\(UUID().uuidString)}", name: RegistryName("A"), editor: editor,
                          file: file, isSystem: false)
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
