import CHivekeeper
import RegistryClient

/// RegQueryValueEx, RegSetValueEx and the value deletions, shared by the W and A functions.
enum Values {
    /// RegQueryValueEx's buffer rules ([WA] test_query_value_ex, test_hkey_main_Value_A/W,
    /// test_string_termination): `lpcbData` is read before anything is written (it may be the
    /// same DWORD as `lpType`); a buffer too small is ERROR_MORE_DATA with the size needed and
    /// the buffer untouched; string data without a terminator gets one after it when there is
    /// room (not counted); a missing value with no buffer sets the size to 0.
    static func query(_ hkey: HKEY?, _ name: RegistryName?, reserved: UnsafeMutablePointer<DWORD>?,
                      type: UnsafeMutablePointer<DWORD>?, data: UnsafeMutablePointer<BYTE>?,
                      count: UnsafeMutablePointer<DWORD>?, _ encoding: Encoding) -> LSTATUS {
        if (data != nil && count == nil) || reserved != nil { return Win32Error.invalidParameter.status }
        let capacity = Int(count?.pointee ?? 0)
        let valueName = name ?? RegistryName(codeUnits: [])
        let r: Result<RegistryValue, Win32Error>
        if HandleTable.predefinedValue(hkey) == HandleTable.performanceData {
            r = PerformanceData.query(valueName)
        } else {
            r = call(hkey) { client, handle, _ throws(Win32Error) in try client.queryValue(handle, valueName) }
        }
        switch r {
        case let .failure(e):
            if e == .fileNotFound, data == nil { count?.pointee = 0 }
            return e.status
        case let .success(value):
            return deliver(encoding.data(value), type: value.type.rawValue, to: data, capacity: capacity,
                           typeOut: type, count: count, encoding)
        }
    }

    /// Writes a value's type, data and size by RegQueryValueEx's rules.
    static func deliver(_ bytes: [UInt8], type: UInt32, to data: UnsafeMutablePointer<BYTE>?, capacity: Int,
                        typeOut: UnsafeMutablePointer<DWORD>?, count: UnsafeMutablePointer<DWORD>?, _ encoding: Encoding) -> LSTATUS {
        typeOut?.pointee = type
        count?.pointee = DWORD(clamping: bytes.count)
        guard let data else { return success }
        guard bytes.count <= capacity else { return Win32Error.moreData.status }
        Text.copy(bytes, to: data)
        if Text.isString(type), Text.endsUnterminated(bytes, unit: encoding.unit), capacity >= bytes.count + encoding.unit {
            for i in 0..<encoding.unit { data[bytes.count + i] = 0 }
        }
        return success
    }

    /// RegSetValueEx ([WA] test_set_value): data NULL with a size, or a pointer below 64 KiB, is
    /// ERROR_NOACCESS. String data whose last unit is not NUL but whose next one is gets that
    /// terminator counted (Windows reads the one unit past `cbData` to decide, and so do we).
    /// A functions' string data is converted from UTF-8.
    static func set(_ hkey: HKEY?, _ name: RegistryName?, type: DWORD, data: UnsafePointer<BYTE>?, count: DWORD,
                    _ encoding: Encoding) -> LSTATUS {
        guard let bytes = payload(type: type, data: data, count: count, encoding) else { return Win32Error.noAccess.status }
        let valueName = name ?? RegistryName(codeUnits: [])
        return status(call(hkey) { client, handle, _ throws(Win32Error) in
            try client.setValue(handle, valueName, type: RegistryValueType(type), data: bytes)
        })
    }

    /// The bytes RegSetValueEx stores, or nil for ERROR_NOACCESS.
    static func payload(type: DWORD, data: UnsafePointer<BYTE>?, count: DWORD, _ encoding: Encoding) -> [UInt8]? {
        guard let data else { return count == 0 ? [] : nil }
        guard UInt(bitPattern: data) >> 16 != 0 else { return nil }
        var n = Int(count)
        if Text.isString(type) {
            switch encoding {
            case .wide:
                let units = n / 2
                if units >= 1 {
                    let raw = UnsafeRawPointer(data)
                    let last = raw.loadUnaligned(fromByteOffset: (units - 1) * 2, as: UInt16.self)
                    let next = raw.loadUnaligned(fromByteOffset: units * 2, as: UInt16.self)
                    if last != 0 && next == 0 { n += 2 }
                }
            case .narrow:
                if n >= 1, data[n - 1] != 0, data[n] == 0 { n += 1 }
            }
        }
        let bytes = Array(UnsafeBufferPointer(start: data, count: n))
        return encoding == .narrow && Text.isString(type) ? Text.utf16Bytes(fromUTF8: bytes) : bytes
    }

    /// RegDeleteValue (NULL: the default value).
    static func delete(_ hkey: HKEY?, _ name: RegistryName?) -> LSTATUS {
        let valueName = name ?? RegistryName(codeUnits: [])
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.deleteValue(handle, valueName) })
    }

    /// RegSetKeyValue: creates the subkey when it is missing ([WA] test_set_value).
    static func setOnSubkey(_ hkey: HKEY?, _ subkey: RegistryName?, _ name: RegistryName?, type: DWORD, data: UnsafeRawPointer?,
                            count: DWORD, _ encoding: Encoding) -> LSTATUS {
        guard let bytes = payload(type: type, data: data?.assumingMemoryBound(to: BYTE.self), count: count, encoding) else {
            return Win32Error.noAccess.status
        }
        let valueName = name ?? RegistryName(codeUnits: [])
        return status(call(hkey) { client, handle, _ throws(Win32Error) in
            try onSubkey(client, handle, subkey, access: .setValue, create: true) { key throws(Win32Error) in
                try client.setValue(key, valueName, type: RegistryValueType(type), data: bytes)
            }
        })
    }

    /// RegDeleteKeyValue.
    static func deleteOnSubkey(_ hkey: HKEY?, _ subkey: RegistryName?, _ name: RegistryName?) -> LSTATUS {
        let valueName = name ?? RegistryName(codeUnits: [])
        return status(call(hkey) { client, handle, _ throws(Win32Error) in
            try onSubkey(client, handle, subkey, access: .setValue) { key throws(Win32Error) in
                try client.deleteValue(key, valueName)
            }
        })
    }
}
