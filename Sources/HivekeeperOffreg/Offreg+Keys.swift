import CHivekeeper
import HiveFormat
import Security

// OROpenKey, ORCreateKey, ORCloseKey, ORDeleteKey, ORRenameKey, OREnumKey, ORQueryInfoKey
// (docs/c-api.md, "The offline API", for where they differ from Windows).

@c @implementation
public func OROpenKey(_ Handle: ORHKEY?, _ lpSubKeyName: PCWSTR?, _ phkResult: PORHKEY?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let phkResult else { throw .invalidParameter }
        phkResult.pointee = nil
        let path = try WideString.borrow(lpSubKeyName)
        phkResult.pointee = try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) -> ORHKEY? in
            guard let key = try s.find(path, below: k.cell) else { throw .fileNotFound }
            return OfflineHandles.open(key.offset, in: &s, of: k.hive)
        }
    }
}

@c @implementation
public func ORCreateKey(_ Handle: ORHKEY?, _ lpSubKey: PCWSTR?, _ lpClass: PWSTR?, _ dwOptions: DWORD,
                        _ pSecurityDescriptor: PSECURITY_DESCRIPTOR?, _ phkResult: PORHKEY?,
                        _ pdwDisposition: PDWORD?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let phkResult else { throw .invalidParameter }
        phkResult.pointee = nil
        guard let path = try WideString.borrow(lpSubKey) else { throw .invalidParameter }
        // REG_OPTION_CREATE_LINK only: an offline hive holds no volatile key.
        guard dwOptions & ~DWORD(REG_OPTION_CREATE_LINK) == 0 else { throw .invalidParameter }
        let link = dwOptions & DWORD(REG_OPTION_CREATE_LINK) != 0
        let className = try WideString.borrow(lpClass).map { RegistryName(codeUnits: Array($0)) }
        // Kept byte for byte, once it parses.
        let explicit = try pSecurityDescriptor.map { (p: UnsafeMutableRawPointer) throws(OfflineError) -> [UInt8] in
            try SelfRelativeDescriptor.bytes(p)
        }
        // The whole path is checked before anything is made.
        try WideString.forEachComponent(of: path) { _, _ throws(OfflineError) in }
        let (handle, created) = try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) -> (ORHKEY?, Bool) in
            let editor = try s.editing()
            var cell = k.cell
            var created = false
            try WideString.forEachComponent(of: path) { (part, isLast) throws(OfflineError) in
                try guarded {
                    let parent = try editor.hive.key(at: cell)
                    if let existing = try editor.hive.subkey(of: parent, named: part) {
                        cell = existing.offset
                        created = false
                        return
                    }
                    let security = isLast && explicit != nil ? explicit : s.inheritedSecurity(under: parent)
                    let made = try editor.createKey(under: cell, named: RegistryName(codeUnits: Array(part)),
                                                    className: isLast ? className : nil, security: security)
                    cell = made.offset
                    created = true
                }
            }
            if link {
                // As RegCreateKeyEx (Wine's test_symlinks): a link is only made, never opened.
                guard created else { throw .alreadyExists }
                try guarded { try editor.setFlag(.symbolicLink, on: cell, true) }
            }
            return (OfflineHandles.open(cell, in: &s, of: k.hive), created)
        }
        phkResult.pointee = handle
        pdwDisposition?.pointee = DWORD(created ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY)
    }
}

@c @implementation
public func ORCloseKey(_ Handle: ORHKEY?) -> DWORD {
    // A hive's own handle is closed by ORCloseHive (docs/c-api.md).
    offline { () throws(OfflineError) in try OfflineHandles.close(Handle) }
}

@c @implementation
public func ORDeleteKey(_ Handle: ORHKEY?, _ lpSubKey: PCWSTR?) -> DWORD {
    offline { () throws(OfflineError) in
        let path = try WideString.borrow(lpSubKey)
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            guard let key = try s.find(path, below: k.cell) else { throw .fileNotFound }
            guard key.offset != s.hive.baseBlock.rootCellOffset else { throw .invalidParameter }
            guard key.subkeyCount == 0 else { throw OfflineError(ERROR_KEY_HAS_CHILDREN) }
            let editor = try s.editing()
            try guarded { try editor.deleteKey(key.offset) }
            s.deleted(key.offset)
        }
    }
}

@c @implementation
public func ORRenameKey(_ Handle: ORHKEY?, _ lpNewName: PCWSTR?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let name = try WideString.borrow(lpNewName), !name.isEmpty,
              name.count <= HiveEditor.maxKeyNameLength, !name.contains(0x5C) else { throw .invalidParameter }
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            // The root keeps its name, as RegRenameKey refuses a hive's root (the live registry).
            guard k.cell != s.hive.baseBlock.rootCellOffset else { throw OfflineError(ERROR_ACCESS_DENIED) }
            let editor = try s.editing()
            try guarded {
                let key = try editor.hive.key(at: k.cell)
                if let parent = try editor.hive.parent(of: key),
                   let sibling = try editor.hive.subkey(of: parent, named: name), sibling.offset != k.cell {
                    throw OfflineError.alreadyExists
                }
                let moved = try editor.renameKey(k.cell, to: RegistryName(codeUnits: Array(name)))
                s.moved(k.cell, to: moved)
            }
        }
    }
}

@c @implementation
public func OREnumKey(_ Handle: ORHKEY?, _ dwIndex: DWORD, _ lpName: PWSTR?, _ lpcName: PDWORD?, _ lpClass: PWSTR?,
                      _ lpcClass: PDWORD?, _ lpftLastWriteTime: PFILETIME?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let lpName, let lpcName else { throw .invalidParameter }
        if lpClass != nil && lpcClass == nil { throw .invalidParameter }
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            let hive = s.hive
            // Typed throws all through: ERROR_NO_MORE_ITEMS ends every key of a walk.
            guard let child = try engine({ () throws(HiveError) in try hive.subkey(of: hive.key(at: k.cell), at: Int(dwIndex)) }) else {
                throw .noMoreItems
            }
            let name = child.storedName
            // Nothing is written unless name and class both fit (Microsoft: "If the function
            // fails, no information is copied to this buffer").
            guard name.count < Int(lpcName.pointee) else { throw .moreData }
            if let lpcClass {
                let units = try engine { () throws(HiveError) in try hive.className(of: child)?.codeUnits ?? [] }
                if let lpClass {
                    guard WideString.copy(units, into: lpClass, capacity: lpcClass.pointee) else { throw .moreData }
                }
                lpcClass.pointee = DWORD(units.count)
            }
            _ = name.copy(into: lpName, capacity: lpcName.pointee)
            lpcName.pointee = DWORD(name.count)
            lpftLastWriteTime?.pointee = FILETIME(child.lastWritten)
        }
    }
}

@c @implementation
public func ORQueryInfoKey(_ Handle: ORHKEY?, _ lpClass: PWSTR?, _ lpcClass: PDWORD?, _ lpcSubKeys: PDWORD?,
                           _ lpcMaxSubKeyLen: PDWORD?, _ lpcMaxClassLen: PDWORD?, _ lpcValues: PDWORD?,
                           _ lpcMaxValueNameLen: PDWORD?, _ lpcMaxValueLen: PDWORD?, _ lpcbSecurityDescriptor: PDWORD?,
                           _ lpftLastWriteTime: PFILETIME?) -> DWORD {
    offline { () throws(OfflineError) in
        if lpClass != nil && lpcClass == nil { throw .invalidParameter }
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            try guarded {
                let hive = s.hive
                let key = try hive.key(at: k.cell)
                // The maxima are counted, not taken from the nk's fields, which other writers
                // leave stale; names in characters without the NUL, data in bytes.
                var maxSubkey = 0, maxClass = 0
                if lpcMaxSubKeyLen != nil || lpcMaxClassLen != nil {
                    for child in try hive.subkeys(of: key) {
                        maxSubkey = max(maxSubkey, child.storedName.count)
                        maxClass = max(maxClass, Int(child.classNameLength) / 2)
                    }
                }
                var maxName = 0, maxData = 0
                if lpcMaxValueNameLen != nil || lpcMaxValueLen != nil {
                    try hive.forEachValue(of: key) { v throws(HiveError) in
                        maxName = max(maxName, v.storedName.count)
                        maxData = max(maxData, try hive.data(of: v).count)
                    }
                }
                lpcSubKeys?.pointee = key.subkeyCount
                lpcMaxSubKeyLen?.pointee = DWORD(maxSubkey)
                lpcMaxClassLen?.pointee = DWORD(maxClass)
                lpcValues?.pointee = key.valueCount
                lpcMaxValueNameLen?.pointee = DWORD(maxName)
                lpcMaxValueLen?.pointee = DWORD(maxData)
                if let lpcbSecurityDescriptor {
                    lpcbSecurityDescriptor.pointee = DWORD(try hive.security(of: key).descriptor.count)
                }
                lpftLastWriteTime?.pointee = FILETIME(key.lastWritten)
                if let lpcClass {
                    let units = try hive.className(of: key)?.codeUnits ?? []
                    // Microsoft: too small a buffer is ERROR_MORE_DATA with the length (no NUL).
                    let fits = lpClass.map { WideString.copy(units, into: $0, capacity: lpcClass.pointee) } ?? true
                    lpcClass.pointee = DWORD(units.count)
                    guard fits else { throw OfflineError.moreData }
                }
            }
        }
    }
}
