import CHivekeeper
import RegistryClient

// The functions about predefined keys, WOW64 reflection and MUI strings.

/// RegDisablePredefinedCache: HKEY_CURRENT_USER is resolved afresh at each use from now on.
@c @implementation public func RegDisablePredefinedCache() -> LSTATUS {
    status(callWithoutKey { client, _ throws(Win32Error) in try client.disablePredefinedCache() })
}

/// RegDisablePredefinedCacheEx: the same (the daemon keeps no other predefined cache).
@c @implementation public func RegDisablePredefinedCacheEx() -> LSTATUS {
    status(callWithoutKey { client, _ throws(Win32Error) in try client.disablePredefinedCache() })
}

/// RegOpenUserClassesRoot: HKEY_USERS\<SID>_Classes of the caller (the token names the caller:
/// only the connection's own identity is known here, so any token means it).
@c @implementation public func RegOpenUserClassesRoot(_ hToken: HANDLE?, _ dwOptions: DWORD, _ samDesired: REGSAM,
                                                      _ phkResult: PHKEY?) -> LSTATUS {
    guard let phkResult else { return Win32Error.invalidParameter.status }
    guard dwOptions == 0 else { return Win32Error.invalidParameter.status }
    let r = callWithoutKey { client, epoch throws(Win32Error) in
        let path = RegistryName(client.welcome.sid + "_Classes")
        return (try client.openKey(.users, path, access: Keys.access(samDesired)), epoch)
    }
    return Keys.store(r, in: phkResult)
}

/// The reflection functions, as 64-bit Windows 7 and later answer them: reflection is gone, so
/// enabling and disabling succeed on any valid key and the key reports itself not disabled
/// (docs/c-api.md).
@c @implementation public func RegDisableReflectionKey(_ hBase: HKEY?) -> LSTATUS {
    HandleTable.resolve(hBase) == nil ? Win32Error.invalidHandle.status : success
}

@c @implementation public func RegEnableReflectionKey(_ hBase: HKEY?) -> LSTATUS {
    HandleTable.resolve(hBase) == nil ? Win32Error.invalidHandle.status : success
}

@c @implementation public func RegQueryReflectionKey(_ hBase: HKEY?, _ bIsReflectionDisabled: UnsafeMutablePointer<BOOL>?) -> LSTATUS {
    guard HandleTable.resolve(hBase) != nil else { return Win32Error.invalidHandle.status }
    guard let bIsReflectionDisabled else { return Win32Error.invalidParameter.status }
    bIsReflectionDisabled.pointee = 0
    return success
}

/// RegLoadMUIString: there are no resource DLLs to load strings from here.
@c @implementation public func RegLoadMUIStringW(_ hKey: HKEY?, _ pszValue: LPCWSTR?, _ pszOutBuf: LPWSTR?, _ cbOutBuf: DWORD,
                                                 _ pcbData: LPDWORD?, _ Flags: DWORD, _ pszDirectory: LPCWSTR?) -> LSTATUS {
    Win32Error.callNotImplemented.status
}

@c @implementation public func RegLoadMUIStringA(_ hKey: HKEY?, _ pszValue: LPCSTR?, _ pszOutBuf: LPSTR?, _ cbOutBuf: DWORD,
                                                 _ pcbData: LPDWORD?, _ Flags: DWORD, _ pszDirectory: LPCSTR?) -> LSTATUS {
    Win32Error.callNotImplemented.status
}

/// RegOverridePredefKey: from now on this process's uses of the predefined key `hKey` go to the
/// key `hNewHKey` is open on (a handle of its own, so closing `hNewHKey` changes nothing); NULL
/// maps it back.
@c @implementation public func RegOverridePredefKey(_ hKey: HKEY?, _ hNewHKey: HKEY?) -> LSTATUS {
    guard let low = HandleTable.predefinedValue(hKey) else { return Win32Error.invalidHandle.status }
    let fresh: Result<(KeyHandle, UInt64)?, Win32Error>
    if hNewHKey == nil {
        fresh = .success(nil)
    } else {
        fresh = call(hNewHKey) { client, handle, epoch throws(Win32Error) -> (KeyHandle, UInt64)? in
            (try client.openKey(handle, RegistryName(codeUnits: []), access: .maximumAllowed), epoch)
        }
    }
    guard case let .success(mapping) = fresh else { return status(fresh) }
    if let (old, epoch) = HandleTable.override(low, with: mapping?.0, epoch: mapping?.1 ?? 0) {
        _ = Pool.with { client, current throws(Win32Error) in if current == epoch { try client.closeKey(old) } }
    }
    return success
}
