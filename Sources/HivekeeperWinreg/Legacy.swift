import CHivekeeper
import RegistryClient

/// The 16-bit era's functions, as Windows still answers them ([WA] test_reg_open_key,
/// test_set_value, test_reg_query_value).
enum Legacy {
    static let maximumAllowed: REGSAM = 0x0200_0000

    /// RegOpenKey / RegCreateKey: no subkey answers `hkey` itself, even NULL.
    static func open(_ hkey: HKEY?, _ subkey: RegistryName?, create: Bool, _ result: UnsafeMutablePointer<HKEY?>?) -> LSTATUS {
        guard let result else { return Win32Error.invalidParameter.status }
        guard let subkey, !subkey.isEmpty else {
            if create, hkey == nil { return Win32Error.invalidHandle.status }
            result.pointee = hkey
            return success
        }
        return create ? Keys.create(hkey, subkey, reserved: 0, options: 0, access: maximumAllowed, result, nil)
            : Keys.open(hkey, subkey, options: 0, access: maximumAllowed, result)
    }

    /// RegQueryValue: the default value of `subkey`; a missing one reads as an empty string.
    static func query(_ hkey: HKEY?, _ subkey: RegistryName?, data: UnsafeMutableRawPointer?, count: UnsafeMutablePointer<LONG>?,
                      _ encoding: Encoding) -> LSTATUS {
        if data != nil && count == nil { return Win32Error.invalidParameter.status }
        let capacity = Int(max(0, count?.pointee ?? 0))
        let r = call(hkey) { client, handle, _ throws(Win32Error) -> RegistryValue? in
            try onSubkey(client, handle, subkey, access: .queryValue) { key throws(Win32Error) -> RegistryValue? in
                do throws(Win32Error) {
                    return try client.queryValue(key, RegistryName(codeUnits: []))
                } catch {
                    if error == .fileNotFound { return nil }
                    throw error
                }
            }
        }
        let value: RegistryValue
        switch r {
        case let .failure(e): return e.status
        case let .success(v?): value = v
        case .success(nil):
            if let data, capacity >= encoding.unit { Text.copyTerminated([], unit: encoding.unit, to: data) }
            count?.pointee = LONG(encoding.unit)
            return success
        }
        var size: DWORD = 0
        let result = Values.deliver(encoding.data(value), type: value.type.rawValue,
                                    to: data?.assumingMemoryBound(to: BYTE.self), capacity: capacity, typeOut: nil, count: &size, encoding)
        count?.pointee = LONG(bitPattern: size)
        return result
    }

    /// RegSetValue: REG_SZ only; the size given is ignored, the string's own length (and its
    /// terminator) stored as the default value of `subkey`, created if missing.
    static func set(_ hkey: HKEY?, _ subkey: RegistryName?, type: DWORD, text: [UInt16]?) -> LSTATUS {
        guard type == 1, let text else { return Win32Error.invalidParameter.status }
        let bytes = Text.bytes(ofUnits: text + [0])
        return status(call(hkey) { client, handle, _ throws(Win32Error) in
            try onSubkey(client, handle, subkey, access: .setValue, create: true) { key throws(Win32Error) in
                try client.setValue(key, RegistryName(codeUnits: []), type: .string, data: bytes)
            }
        })
    }
}

@c @implementation public func RegOpenKeyW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ phkResult: PHKEY?) -> LSTATUS {
    Legacy.open(hKey, Text.name(lpSubKey), create: false, phkResult)
}

@c @implementation public func RegOpenKeyA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ phkResult: PHKEY?) -> LSTATUS {
    Legacy.open(hKey, Text.name(lpSubKey), create: false, phkResult)
}

@c @implementation public func RegCreateKeyW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ phkResult: PHKEY?) -> LSTATUS {
    Legacy.open(hKey, Text.name(lpSubKey), create: true, phkResult)
}

@c @implementation public func RegCreateKeyA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ phkResult: PHKEY?) -> LSTATUS {
    Legacy.open(hKey, Text.name(lpSubKey), create: true, phkResult)
}

@c @implementation public func RegEnumKeyW(_ hKey: HKEY?, _ dwIndex: DWORD, _ lpName: LPWSTR?, _ cchName: DWORD) -> LSTATUS {
    var count = cchName
    return Enumerate.key(hKey, index: dwIndex, name: UnsafeMutableRawPointer(lpName), nameCount: &count, reserved: nil,
                         className: nil, classCount: nil, lastWritten: nil, .wide)
}

@c @implementation public func RegEnumKeyA(_ hKey: HKEY?, _ dwIndex: DWORD, _ lpName: LPSTR?, _ cchName: DWORD) -> LSTATUS {
    var count = cchName
    return Enumerate.key(hKey, index: dwIndex, name: UnsafeMutableRawPointer(lpName), nameCount: &count, reserved: nil,
                         className: nil, classCount: nil, lastWritten: nil, .narrow)
}

@c @implementation public func RegQueryValueW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ lpData: LPWSTR?, _ lpcbData: PLONG?) -> LSTATUS {
    Legacy.query(hKey, Text.name(lpSubKey), data: UnsafeMutableRawPointer(lpData), count: lpcbData, .wide)
}

@c @implementation public func RegQueryValueA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ lpData: LPSTR?, _ lpcbData: PLONG?) -> LSTATUS {
    Legacy.query(hKey, Text.name(lpSubKey), data: UnsafeMutableRawPointer(lpData), count: lpcbData, .narrow)
}

@c @implementation public func RegSetValueW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ dwType: DWORD, _ lpData: LPCWSTR?,
                                            _ cbData: DWORD) -> LSTATUS {
    Legacy.set(hKey, Text.name(lpSubKey), type: dwType, text: Text.name(lpData)?.codeUnits)
}

@c @implementation public func RegSetValueA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ dwType: DWORD, _ lpData: LPCSTR?,
                                            _ cbData: DWORD) -> LSTATUS {
    Legacy.set(hKey, Text.name(lpSubKey), type: dwType, text: Text.name(lpData)?.codeUnits)
}

// ---- ExpandEnvironmentStrings ----

/// The size needed (in WCHARs, with the terminator); the expansion written only when it fits.
@c @implementation public func ExpandEnvironmentStringsW(_ lpSrc: LPCWSTR?, _ lpDst: LPWSTR?, _ nSize: DWORD) -> DWORD {
    guard let source = Text.name(lpSrc) else { return 0 }
    let expanded = Environment.expand(source.codeUnits)
    let needed = expanded.count + 1
    if let lpDst, needed <= Int(nSize) {
        Text.copyTerminated(Text.bytes(ofUnits: expanded), unit: 2, to: UnsafeMutableRawPointer(lpDst))
    }
    return DWORD(clamping: needed)
}

/// The size needed (in UTF-8 bytes, with the terminator); the expansion written only when it fits.
@c @implementation public func ExpandEnvironmentStringsA(_ lpSrc: LPCSTR?, _ lpDst: LPSTR?, _ nSize: DWORD) -> DWORD {
    guard let source = Text.name(lpSrc) else { return 0 }
    let expanded = Encoding.narrow.encode(RegistryName(codeUnits: Environment.expand(source.codeUnits)))
    let needed = expanded.count + 1
    if let lpDst, needed <= Int(nSize) { Text.copyTerminated(expanded, unit: 1, to: UnsafeMutableRawPointer(lpDst)) }
    return DWORD(clamping: needed)
}
