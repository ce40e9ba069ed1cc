import CHivekeeper
import HiveFormat

// OREnumValue, ORGetValue, ORSetValue, ORDeleteValue (docs/c-api.md, "The offline API").

/// No name: the default value.
private var emptyName: UnsafeBufferPointer<UInt16> { UnsafeBufferPointer(start: nil, count: 0) }

/// REG_SZ, REG_EXPAND_SZ and REG_MULTI_SZ: ORGetValue ends them with a NUL when they lack one.
@inline(__always)
private func isString(_ type: UInt32) -> Bool {
    type == UInt32(REG_SZ) || type == UInt32(REG_EXPAND_SZ) || type == UInt32(REG_MULTI_SZ)
}

@c @implementation
public func OREnumValue(_ Handle: ORHKEY?, _ dwIndex: DWORD, _ lpValueName: PWSTR?, _ lpcValueName: PDWORD?,
                        _ lpType: PDWORD?, _ lpData: PBYTE?, _ lpcbData: PDWORD?) -> DWORD {
    offline { () throws(OfflineError) in
        // Wine's test_enum_value: no name buffer or no count is ERROR_INVALID_PARAMETER.
        guard let lpValueName, let lpcValueName else { throw .invalidParameter }
        if lpData != nil && lpcbData == nil { throw .invalidParameter }
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            let hive = s.hive
            guard let value = try engine({ () throws(HiveError) in try hive.value(of: hive.key(at: k.cell), at: Int(dwIndex)) }) else {
                throw .noMoreItems
            }
            let name = value.storedName
            let data = try engine { () throws(HiveError) in try hive.data(of: value) }
            let nameFits = name.count < Int(lpcValueName.pointee)
            let dataFits = lpData == nil || data.count <= Int(lpcbData?.pointee ?? 0)
            lpType?.pointee = value.type.rawValue
            lpcbData?.pointee = DWORD(data.count)
            // Wine's test_enum_value: a name or data overflow is ERROR_MORE_DATA with the type
            // and the data size given, the name's count left as it was, and neither buffer
            // written.
            guard nameFits && dataFits else { throw .moreData }
            _ = name.copy(into: lpValueName, capacity: lpcValueName.pointee)
            lpcValueName.pointee = DWORD(name.count)
            if let lpData {
                data.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { UnsafeMutableRawPointer(lpData).copyMemory(from: base, byteCount: raw.count) }
                }
            }
        }
    }
}

@c @implementation
public func ORGetValue(_ Handle: ORHKEY?, _ lpSubKey: PCWSTR?, _ lpValue: PCWSTR?, _ pdwType: PDWORD?,
                       _ pvData: PVOID?, _ pcbData: PDWORD?) -> DWORD {
    offline { () throws(OfflineError) in
        // Microsoft: pcbData can be NULL only when pvData is.
        if pvData != nil && pcbData == nil { throw .invalidParameter }
        let path = try WideString.borrow(lpSubKey)
        let name = try WideString.borrow(lpValue) ?? emptyName
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            let hive = s.hive
            // The common call — a value of this key into a buffer that holds it — reads in place
            // without a view of key or value (the engine's RegQueryValueEx read).
            if path?.isEmpty ?? true, let pvData, let pcbData {
                let capacity = Int(pcbData.pointee)
                let read = try engine { () throws(HiveError) in
                    try hive.queryValue(ofKeyAt: k.cell, named: name, into: UnsafeMutableRawBufferPointer(start: pvData, count: capacity))
                }
                guard let read else { throw .fileNotFound }
                if read.fits {
                    let n = read.size
                    let bytes = UnsafeRawBufferPointer(start: pvData, count: n)
                    let ended = n >= 2 && n % 2 == 0 && bytes[n - 1] == 0 && bytes[n - 2] == 0
                    let needed = isString(read.type.rawValue) && !ended ? n + 2 : n
                    pdwType?.pointee = read.type.rawValue
                    pcbData.pointee = DWORD(needed)
                    guard needed <= capacity else { throw .moreData }
                    if needed > n { (pvData + n).initializeMemory(as: UInt8.self, repeating: 0, count: needed - n) }
                    return
                }
                // Too small: the size needed (with a missing NUL counted) comes from the data below.
            }
            let key: NamedKey
            if let path, !path.isEmpty {
                guard let found = try s.find(path, below: k.cell) else { throw .fileNotFound }
                key = found
            } else {
                key = try engine { () throws(HiveError) in try hive.key(at: k.cell) }
            }
            guard let value = try engine({ () throws(HiveError) in try hive.value(of: key, named: name) }) else { throw .fileNotFound }
            let type = value.type.rawValue
            let data = try engine { () throws(HiveError) in try hive.data(of: value) }
            try data.withUnsafeBytes { (raw) throws(OfflineError) in
                // Microsoft: a string without its NUL gets one when the buffer has room for it,
                // else ERROR_MORE_DATA; so the size asked for counts it too.
                let n = raw.count
                let ended = n >= 2 && n % 2 == 0 && raw[n - 1] == 0 && raw[n - 2] == 0
                let needed = isString(type) && !ended ? n + 2 : n
                pdwType?.pointee = type
                guard let pcbData else { return }
                defer { pcbData.pointee = DWORD(needed) }
                guard let pvData else { return }
                guard needed <= Int(pcbData.pointee) else { throw .moreData }
                if let base = raw.baseAddress { pvData.copyMemory(from: base, byteCount: n) }
                if needed > n { (pvData + n).initializeMemory(as: UInt8.self, repeating: 0, count: needed - n) }
            }
        }
    }
}

@c @implementation
public func ORSetValue(_ Handle: ORHKEY?, _ lpValueName: PCWSTR?, _ dwType: DWORD, _ lpData: UnsafePointer<BYTE>?,
                       _ cbData: DWORD) -> DWORD {
    offline { () throws(OfflineError) in
        // Wine's test_set_value: NULL data with a size is ERROR_NOACCESS; NULL with 0 is empty data.
        if lpData == nil && cbData > 0 { throw OfflineError(ERROR_NOACCESS) }
        let name = try WideString.borrow(lpValueName) ?? emptyName
        let bytes = lpData.map { Array(UnsafeBufferPointer(start: $0, count: Int(cbData))) } ?? []
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            let editor = try s.editing()
            try guarded {
                try editor.setValue(of: k.cell, named: RegistryName(codeUnits: Array(name)), type: dwType, bytes: bytes)
            }
        }
    }
}

@c @implementation
public func ORDeleteValue(_ Handle: ORHKEY?, _ lpValueName: PCWSTR?) -> DWORD {
    offline { () throws(OfflineError) in
        let name = try WideString.borrow(lpValueName) ?? emptyName
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            guard try guarded({ try s.hive.value(of: s.hive.key(at: k.cell), named: name) }) != nil else { throw .fileNotFound }
            let editor = try s.editing()
            try guarded { _ = try editor.deleteValue(of: k.cell, named: RegistryName(codeUnits: Array(name))) }
        }
    }
}
