#if canImport(Glibc)
import Glibc
#endif
import CHivekeeper
import RegistryClient

/// File names for the hive functions: the daemon opens them, so a relative name is made absolute
/// against the calling process's working directory first (as Windows resolves it).
enum Files {
    static func path(_ name: RegistryName?) -> String? {
        guard let name, !name.isEmpty else { return nil }
        let text = String(decoding: name.codeUnits, as: UTF16.self)
        if text.hasPrefix("/") { return text }
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let ok = buffer.withUnsafeMutableBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { getcwd($0, b.count) } != nil
        }
        guard ok else { return text }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self) + "/" + text
    }
}

/// RegLoadKey, RegUnLoadKey, RegSaveKey(Ex), RegRestoreKey, RegLoadAppKey, RegCopyTree,
/// RegRenameKey: the daemon does the work (privileges come from the caller's identity: no
/// AdjustTokenPrivileges is needed).
enum Hives {
    static func load(_ hkey: HKEY?, _ subkey: RegistryName?, _ file: RegistryName?) -> LSTATUS {
        guard let subkey, !subkey.isEmpty, let path = Files.path(file) else { return Win32Error.invalidParameter.status }
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.loadKey(handle, subkey, file: path) })
    }

    static func unload(_ hkey: HKEY?, _ subkey: RegistryName?) -> LSTATUS {
        let name = subkey ?? RegistryName(codeUnits: [])
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.unloadKey(handle, name) })
    }

    static func save(_ hkey: HKEY?, _ file: RegistryName?, flags: DWORD?) -> LSTATUS {
        guard let path = Files.path(file) else { return Win32Error.invalidParameter.status }
        var format: SaveFormat?
        if let flags {
            guard let f = SaveFormat(rawValue: flags) else { return Win32Error.invalidParameter.status }
            format = f
        }
        let chosen = format
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.saveKey(handle, file: path, format: chosen) })
    }

    static func restore(_ hkey: HKEY?, _ file: RegistryName?, flags: DWORD) -> LSTATUS {
        guard let path = Files.path(file) else { return Win32Error.invalidParameter.status }
        let force = flags & 0x8 != 0  // REG_FORCE_RESTORE
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.restoreKey(handle, file: path, force: force) })
    }

    static func loadAppKey(_ file: RegistryName?, _ result: UnsafeMutablePointer<HKEY?>?, access: REGSAM, options: DWORD,
                           reserved: DWORD) -> LSTATUS {
        guard let result else { return Win32Error.invalidParameter.status }
        guard reserved == 0, let path = Files.path(file) else { return Win32Error.invalidParameter.status }
        let r = callWithoutKey { client, epoch throws(Win32Error) in
            (try client.loadAppKey(file: path, access: Keys.access(access), options: AppKeyOptions(rawValue: options)), epoch)
        }
        return Keys.store(r, in: result)
    }

    static func copyTree(_ source: HKEY?, _ subkey: RegistryName?, _ destination: HKEY?) -> LSTATUS {
        let path = subkey.flatMap { $0.isEmpty ? nil : $0 }
        return status(call(source, destination) { client, from, to throws(Win32Error) in
            try client.copyTree(from, path, to: to)
        })
    }

    static func rename(_ hkey: HKEY?, _ subkey: RegistryName?, _ newName: RegistryName?) -> LSTATUS {
        guard let newName, !newName.isEmpty else { return Win32Error.invalidParameter.status }
        let path = subkey.flatMap { $0.isEmpty ? nil : $0 }
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.renameKey(handle, path, to: newName) })
    }
}

@c @implementation public func RegLoadKeyW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ lpFile: LPCWSTR?) -> LSTATUS {
    Hives.load(hKey, Text.name(lpSubKey), Text.name(lpFile))
}

@c @implementation public func RegLoadKeyA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ lpFile: LPCSTR?) -> LSTATUS {
    Hives.load(hKey, Text.name(lpSubKey), Text.name(lpFile))
}

@c @implementation public func RegUnLoadKeyW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?) -> LSTATUS {
    Hives.unload(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegUnLoadKeyA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?) -> LSTATUS {
    Hives.unload(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegSaveKeyW(_ hKey: HKEY?, _ lpFile: LPCWSTR?, _ lpSecurityAttributes: UnsafePointer<SECURITY_ATTRIBUTES>?) -> LSTATUS {
    Hives.save(hKey, Text.name(lpFile), flags: nil)
}

@c @implementation public func RegSaveKeyA(_ hKey: HKEY?, _ lpFile: LPCSTR?, _ lpSecurityAttributes: UnsafePointer<SECURITY_ATTRIBUTES>?) -> LSTATUS {
    Hives.save(hKey, Text.name(lpFile), flags: nil)
}

@c @implementation public func RegSaveKeyExW(_ hKey: HKEY?, _ lpFile: LPCWSTR?, _ lpSecurityAttributes: UnsafePointer<SECURITY_ATTRIBUTES>?,
                                             _ Flags: DWORD) -> LSTATUS {
    Hives.save(hKey, Text.name(lpFile), flags: Flags)
}

@c @implementation public func RegSaveKeyExA(_ hKey: HKEY?, _ lpFile: LPCSTR?, _ lpSecurityAttributes: UnsafePointer<SECURITY_ATTRIBUTES>?,
                                             _ Flags: DWORD) -> LSTATUS {
    Hives.save(hKey, Text.name(lpFile), flags: Flags)
}

@c @implementation public func RegRestoreKeyW(_ hKey: HKEY?, _ lpFile: LPCWSTR?, _ dwFlags: DWORD) -> LSTATUS {
    Hives.restore(hKey, Text.name(lpFile), flags: dwFlags)
}

@c @implementation public func RegRestoreKeyA(_ hKey: HKEY?, _ lpFile: LPCSTR?, _ dwFlags: DWORD) -> LSTATUS {
    Hives.restore(hKey, Text.name(lpFile), flags: dwFlags)
}

@c @implementation public func RegLoadAppKeyW(_ lpFile: LPCWSTR?, _ phkResult: PHKEY?, _ samDesired: REGSAM, _ dwOptions: DWORD,
                                              _ Reserved: DWORD) -> LSTATUS {
    Hives.loadAppKey(Text.name(lpFile), phkResult, access: samDesired, options: dwOptions, reserved: Reserved)
}

@c @implementation public func RegLoadAppKeyA(_ lpFile: LPCSTR?, _ phkResult: PHKEY?, _ samDesired: REGSAM, _ dwOptions: DWORD,
                                              _ Reserved: DWORD) -> LSTATUS {
    Hives.loadAppKey(Text.name(lpFile), phkResult, access: samDesired, options: dwOptions, reserved: Reserved)
}

@c @implementation public func RegCopyTreeW(_ hKeySrc: HKEY?, _ lpSubKey: LPCWSTR?, _ hKeyDest: HKEY?) -> LSTATUS {
    Hives.copyTree(hKeySrc, Text.name(lpSubKey), hKeyDest)
}

@c @implementation public func RegCopyTreeA(_ hKeySrc: HKEY?, _ lpSubKey: LPCSTR?, _ hKeyDest: HKEY?) -> LSTATUS {
    Hives.copyTree(hKeySrc, Text.name(lpSubKey), hKeyDest)
}

/// RegRenameKey is W only, as in advapi32.
@c @implementation public func RegRenameKey(_ hKey: HKEY?, _ lpSubKeyName: LPCWSTR?, _ lpNewKeyName: LPCWSTR?) -> LSTATUS {
    Hives.rename(hKey, Text.name(lpSubKeyName), Text.name(lpNewKeyName))
}
