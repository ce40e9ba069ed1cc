import CHivekeeper
import RegistryClient

/// RegGetValue ([WA] test_get_value; Microsoft's RegGetValueW page).
enum GetValue {
    static let anyType: DWORD = 0x0000_FFFF  // RRF_RT_ANY
    static let noExpand: DWORD = 0x1000_0000  // RRF_NOEXPAND
    static let zeroOnFailure: DWORD = 0x2000_0000  // RRF_ZEROONFAILURE
    static let rtDWORD: DWORD = 0x18, rtQWORD: DWORD = 0x48  // RRF_RT_DWORD, RRF_RT_QWORD

    /// The RRF_RT_* bit of a value type (0: a type only RRF_RT_ANY admits).
    static func restrictionBit(_ type: UInt32) -> DWORD {
        switch type {
        case 0: 0x01  // REG_NONE
        case 1: 0x02  // REG_SZ
        case 2: 0x04  // REG_EXPAND_SZ
        case 3: 0x08  // REG_BINARY
        case 4: 0x10  // REG_DWORD
        case 7: 0x20  // REG_MULTI_SZ
        case 11: 0x40  // REG_QWORD
        default: 0
        }
    }

    /// Reads the value (below `subkey` when given), expands REG_EXPAND_SZ into REG_SZ unless
    /// RRF_NOEXPAND, terminates strings, then applies the type restriction. A restricted type
    /// still returns its type, size and (when it fits) data with ERROR_UNSUPPORTED_TYPE; a
    /// REG_BINARY under RRF_RT_DWORD / RRF_RT_QWORD of another size is ERROR_DATATYPE_MISMATCH;
    /// RRF_ZEROONFAILURE zeroes the caller's buffer (its given size) on any failure.
    static func get(_ hkey: HKEY?, _ subkey: RegistryName?, _ name: RegistryName?, flags: DWORD,
                    type typeOut: UnsafeMutablePointer<DWORD>?, data: UnsafeMutableRawPointer?,
                    count: UnsafeMutablePointer<DWORD>?, _ encoding: Encoding) -> LSTATUS {
        if (data != nil && count == nil) || flags & anyType == 0 { return Win32Error.invalidParameter.status }
        let capacity = Int(count?.pointee ?? 0)
        let valueName = name ?? RegistryName(codeUnits: [])
        let r = call(hkey) { client, handle, _ throws(Win32Error) in
            try onSubkey(client, handle, subkey, access: .queryValue) { key throws(Win32Error) in
                try client.queryValue(key, valueName)
            }
        }
        let value: RegistryValue
        switch r {
        case let .failure(e):
            zero(data, capacity, flags)
            return e.status
        case let .success(v): value = v
        }
        var type = value.type.rawValue
        var bytes: [UInt8]
        if type == 2, flags & noExpand == 0 {
            let units = Text.units(ofBytes: value.data).prefix { $0 != 0 }
            let expanded = Environment.expand(Array(units)) + [0]
            bytes = encoding.data(RegistryValue(name: valueName, type: .string, data: Text.bytes(ofUnits: expanded)))
            type = 1
        } else {
            bytes = encoding.data(value)
            if Text.isString(type), Text.endsUnterminated(bytes, unit: encoding.unit) {
                bytes += [UInt8](repeating: 0, count: encoding.unit)
            }
        }
        var result = success
        if let data {
            if bytes.count <= capacity { Text.copy(bytes, to: data) } else { result = Win32Error.moreData.status }
        }
        let allowed = flags & anyType
        if allowed != anyType {
            if restrictionBit(type) & allowed == 0 {
                result = Win32Error.unsupportedType.status
            } else if result == success, type == 3,
                      (allowed == rtDWORD && bytes.count != 4) || (allowed == rtQWORD && bytes.count != 8) {
                result = Win32Error.datatypeMismatch.status
            }
        }
        typeOut?.pointee = type
        count?.pointee = DWORD(clamping: bytes.count)
        if result != success { zero(data, capacity, flags) }
        return result
    }

    private static func zero(_ data: UnsafeMutableRawPointer?, _ capacity: Int, _ flags: DWORD) {
        guard flags & zeroOnFailure != 0, let data, capacity > 0 else { return }
        data.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
    }
}
