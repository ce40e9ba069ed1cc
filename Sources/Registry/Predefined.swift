import HiveFormat
import Security

/// Resolving a handle — one of the process's, or a predefined key — to the key it stands for.
extension RegistryCore {
    /// What a handle stands for, for one operation.
    struct Target {
        /// Nil for HKLM and HKU, which are not objects anyone holds.
        let object: KeyObject?
        let position: KeyPosition
        let access: AccessMask
    }

    /// The key behind `handle`, checked for `required` access and then for being live:
    /// ERROR_INVALID_HANDLE, ERROR_ACCESS_DENIED, ERROR_KEY_DELETED, in that order (NT checks
    /// the handle's granted access when it references the handle, before the key's state).
    func target(_ handle: KeyHandle, requiring required: AccessMask, _ caller: RegistryCaller) throws(Win32Error) -> Target {
        if !handle.isPredefined {
            guard let entry = existingProcess(caller.process)?.handles[handle] else { throw .invalidHandle }
            guard entry.access.isSuperset(of: required) else { throw .accessDenied }
            guard entry.object.isLive else { throw .keyDeleted }
            if let view = entry.classes, !isUserClassesKey(entry.object),
               let user = try userClassesCopy(view.path, caller) {
                // Bound to the machine's copy; the user's, once it exists, is what is read and written ([WA]).
                return Target(object: entry.object, position: user, access: entry.access)
            }
            return Target(object: entry.object, position: entry.object.position, access: entry.access)
        }
        let p = process(caller.process)
        if !p.overrides.isEmpty, let o = p.overrides[handle] {
            guard o.isLive else { throw .keyDeleted }
            return try predefinedTarget(o.position, object: o, required, caller)
        }
        switch handle {
        case .localMachine: return try predefinedTarget(.volatile(master, machine), object: nil, required, caller)
        case .users: return try predefinedTarget(.volatile(master, users), object: nil, required, caller)
        case .currentUser:
            if let o = p.currentUser {
                // The cache persists, even when what it names is gone ([PK], [C3]).
                guard o.isLive else { throw .keyDeleted }
                return try predefinedTarget(o.position, object: o, required, caller)
            }
            guard let path = currentUserResolver?(caller), let position = try position(atAbsolute: path) else {
                throw .fileNotFound
            }
            if p.predefinedCacheDisabled { return try predefinedTarget(position, object: nil, required, caller) }
            let o = object(for: position)
            retain(o)
            p.currentUser = o
            return try predefinedTarget(position, object: o, required, caller)
        case .classesRoot:
            let (user, machine) = try classesCopies("", caller)
            guard let position = user ?? machine else { throw .fileNotFound }
            return try predefinedTarget(position, object: nil, required, caller)
        case .currentConfig:
            // A link to the current hardware profile (Wine's advapi32 names the same key).
            guard let position = try position(atAbsolute: Self.currentConfigPath) else { throw .fileNotFound }
            return try predefinedTarget(position, object: nil, required, caller)
        default:
            throw .invalidHandle
        }
    }

    static let currentConfigPath = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current"

    /// Whether a key object is in the user's part of the merged view (not \REGISTRY\MACHINE).
    private func isUserClassesKey(_ o: KeyObject) -> Bool {
        !o.mount.path.uppercased().hasPrefix("\\REGISTRY\\MACHINE\\")
    }

    /// A predefined key grants what the caller's token may have on the key (Windows opens it
    /// with MAXIMUM_ALLOWED at first use).
    private func predefinedTarget(_ position: KeyPosition, object: KeyObject?, _ required: AccessMask,
                                  _ caller: RegistryCaller) throws(Win32Error) -> Target {
        if required.isEmpty { return Target(object: object, position: position, access: []) }
        let granted = try accessCheck(position, .maximumAllowed, caller, options: [])
        guard granted.isSuperset(of: required) else { throw .accessDenied }
        return Target(object: object, position: position, access: granted)
    }

    /// The access check against a key's descriptor.
    func accessCheck(_ position: KeyPosition, _ desired: AccessMask, _ caller: RegistryCaller,
                     options: KeyOptions) throws(Win32Error) -> AccessMask {
        let sd = try position.mount.descriptor(of: position)
        do {
            return try sd.accessCheck(token: caller.token, desired: desired,
                                      intent: options.contains(.backupRestore) ? .backupRestore : [])
        } catch {
            throw Win32Error(rawValue: error.win32Code)
        }
    }

    /// RegOverridePredefKey: maps `predefined` to `key`'s key for this process (a reference of
    /// its own, so closing `key` later changes nothing), or back to the default with nil.
    func overridePredefinedKey(_ predefined: KeyHandle, with key: KeyHandle?, _ caller: RegistryCaller) throws(Win32Error) {
        guard [.classesRoot, .currentUser, .localMachine, .users, .currentConfig].contains(predefined) else {
            throw .invalidHandle
        }
        let p = process(caller.process)
        var replacement: KeyObject?
        if let key {
            let t = try target(key, requiring: [], caller)
            replacement = t.object ?? object(for: t.position)
            retain(replacement!)
        }
        if let old = p.overrides.removeValue(forKey: predefined) { release(old) }
        p.overrides[predefined] = replacement
    }

    /// RegDisablePredefinedCache: HKCU resolves afresh at each use from now on, and the cached
    /// binding is dropped.
    func disablePredefinedCache(_ caller: RegistryCaller) {
        let p = process(caller.process)
        p.predefinedCacheDisabled = true
        if let o = p.currentUser {
            p.currentUser = nil
            release(o)
        }
    }

    /// Binds HKEY_CURRENT_USER for a process to the key at `path` (what the first use would do).
    func bindCurrentUser(_ process: ProcessID, to path: String) throws(Win32Error) {
        guard let position = try position(atAbsolute: path) else { throw .fileNotFound }
        let p = self.process(process)
        let o = object(for: position)
        retain(o)
        if let old = p.currentUser { release(old) }
        p.currentUser = o
    }
}
