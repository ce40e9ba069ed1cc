import CHivekeeper
import RegistryClient

// winreg.h's key functions, W (UTF-16) and A (UTF-8).

@c @implementation public func RegOpenKeyExW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ ulOptions: DWORD, _ samDesired: REGSAM,
                                             _ phkResult: PHKEY?) -> LSTATUS {
    Keys.open(hKey, Text.name(lpSubKey), options: ulOptions, access: samDesired, phkResult)
}

@c @implementation public func RegOpenKeyExA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ ulOptions: DWORD, _ samDesired: REGSAM,
                                             _ phkResult: PHKEY?) -> LSTATUS {
    Keys.open(hKey, Text.name(lpSubKey), options: ulOptions, access: samDesired, phkResult)
}

@c @implementation public func RegCloseKey(_ hKey: HKEY?) -> LSTATUS {
    Keys.close(hKey)
}

@c @implementation public func RegCreateKeyExW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ Reserved: DWORD, _ lpClass: LPWSTR?,
                                               _ dwOptions: DWORD, _ samDesired: REGSAM,
                                               _ lpSecurityAttributes: UnsafePointer<SECURITY_ATTRIBUTES>?, _ phkResult: PHKEY?,
                                               _ lpdwDisposition: LPDWORD?) -> LSTATUS {
    Keys.create(hKey, Text.name(lpSubKey), reserved: Reserved, options: dwOptions, access: samDesired, phkResult, lpdwDisposition)
}

@c @implementation public func RegCreateKeyExA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ Reserved: DWORD, _ lpClass: LPSTR?,
                                               _ dwOptions: DWORD, _ samDesired: REGSAM,
                                               _ lpSecurityAttributes: UnsafePointer<SECURITY_ATTRIBUTES>?, _ phkResult: PHKEY?,
                                               _ lpdwDisposition: LPDWORD?) -> LSTATUS {
    Keys.create(hKey, Text.name(lpSubKey), reserved: Reserved, options: dwOptions, access: samDesired, phkResult, lpdwDisposition)
}

@c @implementation public func RegDeleteKeyW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?) -> LSTATUS {
    Keys.delete(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegDeleteKeyA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?) -> LSTATUS {
    Keys.delete(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegDeleteKeyExW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ samDesired: REGSAM, _ Reserved: DWORD) -> LSTATUS {
    Keys.delete(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegDeleteKeyExA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ samDesired: REGSAM, _ Reserved: DWORD) -> LSTATUS {
    Keys.delete(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegDeleteTreeW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?) -> LSTATUS {
    Keys.deleteTree(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegDeleteTreeA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?) -> LSTATUS {
    Keys.deleteTree(hKey, Text.name(lpSubKey))
}

@c @implementation public func RegFlushKey(_ hKey: HKEY?) -> LSTATUS {
    status(call(hKey) { client, handle, _ throws(Win32Error) in try client.flushKey(handle) })
}

@c @implementation public func RegOpenCurrentUser(_ samDesired: REGSAM, _ phkResult: PHKEY?) -> LSTATUS {
    guard let phkResult else { return Win32Error.invalidParameter.status }
    let r = callWithoutKey { client, epoch throws(Win32Error) in
        (try client.openCurrentUser(access: Keys.access(samDesired)), epoch)
    }
    return Keys.store(r, in: phkResult)
}

@c @implementation public func RegConnectRegistryW(_ lpMachineName: LPCWSTR?, _ hKey: HKEY?, _ phkResult: PHKEY?) -> LSTATUS {
    Keys.connect(Text.name(lpMachineName), hKey, phkResult)
}

@c @implementation public func RegConnectRegistryA(_ lpMachineName: LPCSTR?, _ hKey: HKEY?, _ phkResult: PHKEY?) -> LSTATUS {
    Keys.connect(Text.name(lpMachineName), hKey, phkResult)
}
