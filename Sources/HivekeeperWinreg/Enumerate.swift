import CHivekeeper
import RegistryClient

/// RegEnumKeyEx, RegEnumValue and RegQueryInfoKey, shared by the W and A functions. Name
/// lengths are in the family's units (WCHARs, or UTF-8 bytes); a buffer holds a name only with
/// room for its terminator.
enum Enumerate {
    static let invalidParameter = Win32Error.invalidParameter.status

    static func fileTime(_ t: FileTime) -> FILETIME {
        FILETIME(dwLowDateTime: DWORD(truncatingIfNeeded: t.rawValue), dwHighDateTime: DWORD(truncatingIfNeeded: t.rawValue >> 32))
    }

    /// RegEnumKeyEx: a name (or a requested class) that does not fit is ERROR_MORE_DATA with
    /// nothing written; otherwise names are written terminated and their lengths without it.
    static func key(_ hkey: HKEY?, index: DWORD, name: UnsafeMutableRawPointer?, nameCount: UnsafeMutablePointer<DWORD>?,
                    reserved: UnsafeMutablePointer<DWORD>?, className: UnsafeMutableRawPointer?,
                    classCount: UnsafeMutablePointer<DWORD>?, lastWritten: UnsafeMutablePointer<FILETIME>?,
                    _ encoding: Encoding) -> LSTATUS {
        guard let name, let nameCount, reserved == nil else { return invalidParameter }
        let i = Int(index)
        let r = call(hkey) { client, handle, _ throws(Win32Error) in try client.enumerateKey(handle, index: i) }
        guard case let .success(k) = r else { return status(r) }
        let nameBytes = encoding.encode(k.name)
        let classBytes = encoding.encode(k.className ?? RegistryName(codeUnits: []))
        let nameUnits = nameBytes.count / encoding.unit, classUnits = classBytes.count / encoding.unit
        let wantsClass = className != nil && classCount != nil
        if nameUnits >= Int(nameCount.pointee) || (wantsClass && classUnits >= Int(classCount?.pointee ?? 0)) {
            return Win32Error.moreData.status
        }
        Text.copyTerminated(nameBytes, unit: encoding.unit, to: name)
        nameCount.pointee = DWORD(nameUnits)
        if wantsClass, let className, let classCount {
            Text.copyTerminated(classBytes, unit: encoding.unit, to: className)
            classCount.pointee = DWORD(classUnits)
        }
        lastWritten?.pointee = fileTime(k.lastWritten)
        return success
    }

    /// RegEnumValue ([WA] test_enum_value, test_string_termination): the name, its count and the
    /// data pointer are required; a name without room is ERROR_MORE_DATA with the name and its
    /// count untouched but the type and data size set; data without room likewise, where the W
    /// function still writes the name and the A function does not.
    static func value(_ hkey: HKEY?, index: DWORD, name: UnsafeMutableRawPointer?, nameCount: UnsafeMutablePointer<DWORD>?,
                      reserved: UnsafeMutablePointer<DWORD>?, type: UnsafeMutablePointer<DWORD>?,
                      data: UnsafeMutablePointer<BYTE>?, count: UnsafeMutablePointer<DWORD>?, _ encoding: Encoding) -> LSTATUS {
        guard let name, let nameCount, reserved == nil, data == nil || count != nil else { return invalidParameter }
        let nameCapacity = Int(nameCount.pointee)
        let capacity = Int(count?.pointee ?? 0)
        let i = Int(index)
        let r: Result<RegistryValue, Win32Error>
        if HandleTable.predefinedValue(hkey) == HandleTable.performanceData {
            r = PerformanceData.enumerate(i)
        } else {
            r = call(hkey) { client, handle, _ throws(Win32Error) in try client.enumerateValue(handle, index: i) }
        }
        guard case let .success(v) = r else { return status(r) }
        let nameBytes = encoding.encode(v.name)
        let nameUnits = nameBytes.count / encoding.unit
        let bytes = encoding.data(v)
        type?.pointee = v.type.rawValue
        count?.pointee = DWORD(clamping: bytes.count)
        guard nameUnits < nameCapacity else { return Win32Error.moreData.status }
        if data != nil, bytes.count > capacity {
            if encoding == .wide {
                Text.copyTerminated(nameBytes, unit: encoding.unit, to: name)
                nameCount.pointee = DWORD(nameUnits)
            }
            return Win32Error.moreData.status
        }
        Text.copyTerminated(nameBytes, unit: encoding.unit, to: name)
        nameCount.pointee = DWORD(nameUnits)
        if let data {
            Text.copy(bytes, to: data)
            if Text.isString(v.type.rawValue), Text.endsUnterminated(bytes, unit: encoding.unit), capacity >= bytes.count + encoding.unit {
                for j in 0..<encoding.unit { data[bytes.count + j] = 0 }
            }
        }
        return success
    }

    /// RegQueryInfoKey ([WA] test_reg_query_info). The maxima are in WCHARs and data bytes for
    /// both families, as Windows gives them. The class: NULL with a count asks its length; a zero
    /// count is success with 0; too small a buffer is, for A, the class cut to fit (terminated)
    /// and ERROR_MORE_DATA, for W, ERROR_INSUFFICIENT_BUFFER with nothing written and the length.
    static func info(_ hkey: HKEY?, className: UnsafeMutableRawPointer?, classCount: UnsafeMutablePointer<DWORD>?,
                     reserved: UnsafeMutablePointer<DWORD>?, subkeys: UnsafeMutablePointer<DWORD>?,
                     maxSubkeyLength: UnsafeMutablePointer<DWORD>?, maxClassLength: UnsafeMutablePointer<DWORD>?,
                     values: UnsafeMutablePointer<DWORD>?, maxValueNameLength: UnsafeMutablePointer<DWORD>?,
                     maxValueLength: UnsafeMutablePointer<DWORD>?, securityDescriptorSize: UnsafeMutablePointer<DWORD>?,
                     lastWritten: UnsafeMutablePointer<FILETIME>?, _ encoding: Encoding) -> LSTATUS {
        guard HandleTable.resolve(hkey) != nil else { return Win32Error.invalidHandle.status }
        guard reserved == nil, className == nil || classCount != nil else { return invalidParameter }
        let r = call(hkey) { client, handle, _ throws(Win32Error) in try client.queryInfoKey(handle) }
        guard case let .success(info) = r else { return status(r) }
        subkeys?.pointee = DWORD(clamping: info.subkeyCount)
        maxSubkeyLength?.pointee = DWORD(clamping: info.maxSubkeyNameLength)
        maxClassLength?.pointee = DWORD(clamping: info.maxClassNameLength)
        values?.pointee = DWORD(clamping: info.valueCount)
        maxValueNameLength?.pointee = DWORD(clamping: info.maxValueNameLength)
        maxValueLength?.pointee = DWORD(clamping: info.maxValueDataSize)
        securityDescriptorSize?.pointee = DWORD(clamping: info.securityDescriptorSize)
        lastWritten?.pointee = fileTime(info.lastWritten)
        guard let classCount else { return success }
        let classBytes = encoding.encode(info.className ?? RegistryName(codeUnits: []))
        let classUnits = classBytes.count / encoding.unit
        guard let className else {
            classCount.pointee = DWORD(classUnits)
            return success
        }
        let capacity = Int(classCount.pointee)
        if capacity == 0 { return success }
        if classUnits < capacity {
            Text.copyTerminated(classBytes, unit: encoding.unit, to: className)
            classCount.pointee = DWORD(classUnits)
            return success
        }
        switch encoding {
        case .wide:
            classCount.pointee = DWORD(classUnits)
            return Win32Error.insufficientBuffer.status
        case .narrow:
            // Cut where a character starts, not inside a UTF-8 sequence.
            var length = capacity - 1
            while length > 0, classBytes[length] & 0xC0 == 0x80 { length -= 1 }
            let cut = Array(classBytes.prefix(length))
            Text.copyTerminated(cut, unit: 1, to: className)
            classCount.pointee = DWORD(cut.count)
            return Win32Error.moreData.status
        }
    }
}
