import CHivekeeper
import RegistryClient

// winreg.h's value functions, W (UTF-16) and A (UTF-8).

@c @implementation public func RegQueryValueExW(_ hKey: HKEY?, _ lpValueName: LPCWSTR?, _ lpReserved: LPDWORD?, _ lpType: LPDWORD?,
                                                _ lpData: LPBYTE?, _ lpcbData: LPDWORD?) -> LSTATUS {
    Values.query(hKey, Text.name(lpValueName), reserved: lpReserved, type: lpType, data: lpData, count: lpcbData, .wide)
}

@c @implementation public func RegQueryValueExA(_ hKey: HKEY?, _ lpValueName: LPCSTR?, _ lpReserved: LPDWORD?, _ lpType: LPDWORD?,
                                                _ lpData: LPBYTE?, _ lpcbData: LPDWORD?) -> LSTATUS {
    Values.query(hKey, Text.name(lpValueName), reserved: lpReserved, type: lpType, data: lpData, count: lpcbData, .narrow)
}

@c @implementation public func RegSetValueExW(_ hKey: HKEY?, _ lpValueName: LPCWSTR?, _ Reserved: DWORD, _ dwType: DWORD,
                                              _ lpData: UnsafePointer<BYTE>?, _ cbData: DWORD) -> LSTATUS {
    Values.set(hKey, Text.name(lpValueName), type: dwType, data: lpData, count: cbData, .wide)
}

@c @implementation public func RegSetValueExA(_ hKey: HKEY?, _ lpValueName: LPCSTR?, _ Reserved: DWORD, _ dwType: DWORD,
                                              _ lpData: UnsafePointer<BYTE>?, _ cbData: DWORD) -> LSTATUS {
    Values.set(hKey, Text.name(lpValueName), type: dwType, data: lpData, count: cbData, .narrow)
}

@c @implementation public func RegGetValueW(_ hkey: HKEY?, _ lpSubKey: LPCWSTR?, _ lpValue: LPCWSTR?, _ dwFlags: DWORD,
                                            _ pdwType: LPDWORD?, _ pvData: PVOID?, _ pcbData: LPDWORD?) -> LSTATUS {
    GetValue.get(hkey, Text.name(lpSubKey), Text.name(lpValue), flags: dwFlags, type: pdwType, data: pvData, count: pcbData, .wide)
}

@c @implementation public func RegGetValueA(_ hkey: HKEY?, _ lpSubKey: LPCSTR?, _ lpValue: LPCSTR?, _ dwFlags: DWORD,
                                            _ pdwType: LPDWORD?, _ pvData: PVOID?, _ pcbData: LPDWORD?) -> LSTATUS {
    GetValue.get(hkey, Text.name(lpSubKey), Text.name(lpValue), flags: dwFlags, type: pdwType, data: pvData, count: pcbData, .narrow)
}

@c @implementation public func RegDeleteValueW(_ hKey: HKEY?, _ lpValueName: LPCWSTR?) -> LSTATUS {
    Values.delete(hKey, Text.name(lpValueName))
}

@c @implementation public func RegDeleteValueA(_ hKey: HKEY?, _ lpValueName: LPCSTR?) -> LSTATUS {
    Values.delete(hKey, Text.name(lpValueName))
}

@c @implementation public func RegSetKeyValueW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ lpValueName: LPCWSTR?, _ dwType: DWORD,
                                               _ lpData: LPCVOID?, _ cbData: DWORD) -> LSTATUS {
    Values.setOnSubkey(hKey, Text.name(lpSubKey), Text.name(lpValueName), type: dwType, data: lpData, count: cbData, .wide)
}

@c @implementation public func RegSetKeyValueA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ lpValueName: LPCSTR?, _ dwType: DWORD,
                                               _ lpData: LPCVOID?, _ cbData: DWORD) -> LSTATUS {
    Values.setOnSubkey(hKey, Text.name(lpSubKey), Text.name(lpValueName), type: dwType, data: lpData, count: cbData, .narrow)
}

@c @implementation public func RegDeleteKeyValueW(_ hKey: HKEY?, _ lpSubKey: LPCWSTR?, _ lpValueName: LPCWSTR?) -> LSTATUS {
    Values.deleteOnSubkey(hKey, Text.name(lpSubKey), Text.name(lpValueName))
}

@c @implementation public func RegDeleteKeyValueA(_ hKey: HKEY?, _ lpSubKey: LPCSTR?, _ lpValueName: LPCSTR?) -> LSTATUS {
    Values.deleteOnSubkey(hKey, Text.name(lpSubKey), Text.name(lpValueName))
}

// ---- Enumeration ----

@c @implementation public func RegEnumKeyExW(_ hKey: HKEY?, _ dwIndex: DWORD, _ lpName: LPWSTR?, _ lpcchName: LPDWORD?,
                                             _ lpReserved: LPDWORD?, _ lpClass: LPWSTR?, _ lpcchClass: LPDWORD?,
                                             _ lpftLastWriteTime: PFILETIME?) -> LSTATUS {
    Enumerate.key(hKey, index: dwIndex, name: UnsafeMutableRawPointer(lpName), nameCount: lpcchName, reserved: lpReserved,
                  className: UnsafeMutableRawPointer(lpClass), classCount: lpcchClass, lastWritten: lpftLastWriteTime, .wide)
}

@c @implementation public func RegEnumKeyExA(_ hKey: HKEY?, _ dwIndex: DWORD, _ lpName: LPSTR?, _ lpcchName: LPDWORD?,
                                             _ lpReserved: LPDWORD?, _ lpClass: LPSTR?, _ lpcchClass: LPDWORD?,
                                             _ lpftLastWriteTime: PFILETIME?) -> LSTATUS {
    Enumerate.key(hKey, index: dwIndex, name: UnsafeMutableRawPointer(lpName), nameCount: lpcchName, reserved: lpReserved,
                  className: UnsafeMutableRawPointer(lpClass), classCount: lpcchClass, lastWritten: lpftLastWriteTime, .narrow)
}

@c @implementation public func RegEnumValueW(_ hKey: HKEY?, _ dwIndex: DWORD, _ lpValueName: LPWSTR?, _ lpcchValueName: LPDWORD?,
                                             _ lpReserved: LPDWORD?, _ lpType: LPDWORD?, _ lpData: LPBYTE?, _ lpcbData: LPDWORD?) -> LSTATUS {
    Enumerate.value(hKey, index: dwIndex, name: UnsafeMutableRawPointer(lpValueName), nameCount: lpcchValueName, reserved: lpReserved,
                    type: lpType, data: lpData, count: lpcbData, .wide)
}

@c @implementation public func RegEnumValueA(_ hKey: HKEY?, _ dwIndex: DWORD, _ lpValueName: LPSTR?, _ lpcchValueName: LPDWORD?,
                                             _ lpReserved: LPDWORD?, _ lpType: LPDWORD?, _ lpData: LPBYTE?, _ lpcbData: LPDWORD?) -> LSTATUS {
    Enumerate.value(hKey, index: dwIndex, name: UnsafeMutableRawPointer(lpValueName), nameCount: lpcchValueName, reserved: lpReserved,
                    type: lpType, data: lpData, count: lpcbData, .narrow)
}

@c @implementation public func RegQueryInfoKeyW(_ hKey: HKEY?, _ lpClass: LPWSTR?, _ lpcchClass: LPDWORD?, _ lpReserved: LPDWORD?,
                                                _ lpcSubKeys: LPDWORD?, _ lpcbMaxSubKeyLen: LPDWORD?, _ lpcbMaxClassLen: LPDWORD?,
                                                _ lpcValues: LPDWORD?, _ lpcbMaxValueNameLen: LPDWORD?, _ lpcbMaxValueLen: LPDWORD?,
                                                _ lpcbSecurityDescriptor: LPDWORD?, _ lpftLastWriteTime: PFILETIME?) -> LSTATUS {
    Enumerate.info(hKey, className: UnsafeMutableRawPointer(lpClass), classCount: lpcchClass, reserved: lpReserved, subkeys: lpcSubKeys,
                   maxSubkeyLength: lpcbMaxSubKeyLen, maxClassLength: lpcbMaxClassLen, values: lpcValues,
                   maxValueNameLength: lpcbMaxValueNameLen, maxValueLength: lpcbMaxValueLen,
                   securityDescriptorSize: lpcbSecurityDescriptor, lastWritten: lpftLastWriteTime, .wide)
}

@c @implementation public func RegQueryInfoKeyA(_ hKey: HKEY?, _ lpClass: LPSTR?, _ lpcchClass: LPDWORD?, _ lpReserved: LPDWORD?,
                                                _ lpcSubKeys: LPDWORD?, _ lpcbMaxSubKeyLen: LPDWORD?, _ lpcbMaxClassLen: LPDWORD?,
                                                _ lpcValues: LPDWORD?, _ lpcbMaxValueNameLen: LPDWORD?, _ lpcbMaxValueLen: LPDWORD?,
                                                _ lpcbSecurityDescriptor: LPDWORD?, _ lpftLastWriteTime: PFILETIME?) -> LSTATUS {
    Enumerate.info(hKey, className: UnsafeMutableRawPointer(lpClass), classCount: lpcchClass, reserved: lpReserved, subkeys: lpcSubKeys,
                   maxSubkeyLength: lpcbMaxSubKeyLen, maxClassLength: lpcbMaxClassLen, values: lpcValues,
                   maxValueNameLength: lpcbMaxValueNameLen, maxValueLength: lpcbMaxValueLen,
                   securityDescriptorSize: lpcbSecurityDescriptor, lastWritten: lpftLastWriteTime, .narrow)
}
