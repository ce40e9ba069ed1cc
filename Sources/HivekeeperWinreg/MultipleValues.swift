import CHivekeeper
import RegistryClient

/// RegQueryMultipleValues (Microsoft's RegQueryMultipleValuesW page): each entry gets its type
/// and size; the data is packed into the buffer in order, each entry pointing at its own. A
/// buffer too small (or NULL) is ERROR_MORE_DATA with the total size needed, and the entries
/// that fit are filled; a missing value is ERROR_CANTREAD.
enum MultipleValues {
    static func query(_ hkey: HKEY?, names: [RegistryName?], buffer: UnsafeMutableRawPointer?,
                      total: UnsafeMutablePointer<DWORD>?, _ encoding: Encoding,
                      fill: (Int, _ type: DWORD, _ length: DWORD, _ pointer: UnsafeMutableRawPointer?) -> Void) -> LSTATUS {
        guard let total else { return Win32Error.invalidParameter.status }
        let r = call(hkey) { client, handle, _ throws(Win32Error) -> [RegistryValue] in
            var values: [RegistryValue] = []
            for name in names {
                do throws(Win32Error) {
                    values.append(try client.queryValue(handle, name ?? RegistryName(codeUnits: [])))
                } catch {
                    throw error == .fileNotFound ? Win32Error(rawValue: 1012) : error  // ERROR_CANTREAD
                }
            }
            return values
        }
        guard case let .success(values) = r else { return status(r) }
        let capacity = Int(total.pointee)
        var offset = 0
        for (i, value) in values.enumerated() {
            let bytes = encoding.data(value)
            var pointer: UnsafeMutableRawPointer?
            if let buffer, offset + bytes.count <= capacity {
                pointer = buffer + offset
                Text.copy(bytes, to: buffer + offset)
            }
            fill(i, value.type.rawValue, DWORD(bytes.count), pointer)
            offset += bytes.count
        }
        total.pointee = DWORD(clamping: offset)
        return buffer != nil && offset <= capacity ? success : Win32Error.moreData.status
    }
}

@c @implementation public func RegQueryMultipleValuesW(_ hKey: HKEY?, _ val_list: PVALENTW?, _ num_vals: DWORD, _ lpValueBuf: LPWSTR?,
                                                       _ ldwTotsize: LPDWORD?) -> LSTATUS {
    guard let val_list else { return num_vals == 0 ? success : Win32Error.invalidParameter.status }
    let names = (0..<Int(num_vals)).map { Text.name(UnsafePointer(val_list[$0].ve_valuename)) }
    return MultipleValues.query(hKey, names: names, buffer: UnsafeMutableRawPointer(lpValueBuf), total: ldwTotsize, .wide) { i, type, length, pointer in
        val_list[i].ve_type = type
        val_list[i].ve_valuelen = length
        val_list[i].ve_valueptr = DWORD_PTR(UInt(bitPattern: pointer))
    }
}

@c @implementation public func RegQueryMultipleValuesA(_ hKey: HKEY?, _ val_list: PVALENTA?, _ num_vals: DWORD, _ lpValueBuf: LPSTR?,
                                                       _ ldwTotsize: LPDWORD?) -> LSTATUS {
    guard let val_list else { return num_vals == 0 ? success : Win32Error.invalidParameter.status }
    let names = (0..<Int(num_vals)).map { Text.name(UnsafePointer(val_list[$0].ve_valuename)) }
    return MultipleValues.query(hKey, names: names, buffer: UnsafeMutableRawPointer(lpValueBuf), total: ldwTotsize, .narrow) { i, type, length, pointer in
        val_list[i].ve_type = type
        val_list[i].ve_valuelen = length
        val_list[i].ve_valueptr = DWORD_PTR(UInt(bitPattern: pointer))
    }
}
