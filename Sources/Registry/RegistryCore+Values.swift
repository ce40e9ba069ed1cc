import HiveFormat
import Security

/// Values: query (into the caller's buffer, or a copy), enumerate, set, delete.
extension RegistryCore {
    /// RegQueryValueEx into a buffer: `size` comes back as the data's size; a buffer too small
    /// is ERROR_MORE_DATA with `size` saying how much is needed; no buffer just measures.
    func queryValue(_ handle: KeyHandle, _ name: UnsafeBufferPointer<UInt16>, into buffer: UnsafeMutableRawBufferPointer?,
                    _ caller: RegistryCaller) throws(Win32Error) -> (type: RegistryValueType, size: Int, fits: Bool) {
        let t = try target(handle, requiring: .queryValue, caller)
        switch t.position {
        case let .stored(m, cell):
            return try readingHive {
                guard let found = try m.hive.queryValue(ofKeyAt: cell, named: name, into: buffer) else { throw Win32Error.fileNotFound }
                return found
            }
        case let .volatile(_, node):
            guard let i = node.valueIndex(name) else { throw .fileNotFound }
            let v = node.values[i]
            return (RegistryValueType(v.type), v.data.count, v.data.withUnsafeBytes { copy($0, into: buffer) })
        }
    }

    /// RegEnumValue (needs KEY_QUERY_VALUE): values in list order; ERROR_NO_MORE_ITEMS past the end.
    func enumerateValue(_ handle: KeyHandle, index: Int, _ caller: RegistryCaller) throws(Win32Error) -> RegistryValue {
        let t = try target(handle, requiring: .queryValue, caller)
        guard index >= 0 else { throw .noMoreItems }
        if let view = classesView(of: handle, caller) {
            let merged = try mergedValues(view, caller)
            guard index < merged.count else { throw .noMoreItems }
            return merged[index]
        }
        switch t.position {
        case let .stored(m, cell):
            return try readingHive {
                let hive = m.hive
                guard let v = try hive.value(of: hive.key(at: cell), at: index) else { throw Win32Error.noMoreItems }
                return RegistryValue(name: v.name, type: v.type, data: try hive.data(of: v).bytes)
            }
        case let .volatile(_, node):
            guard index < node.values.count else { throw .noMoreItems }
            let v = node.values[index]
            return RegistryValue(name: v.name, type: RegistryValueType(v.type), data: v.data)
        }
    }

    /// RegSetValueEx (needs KEY_SET_VALUE).
    func setValue(_ handle: KeyHandle, _ name: RegistryName, type: RegistryValueType, data: [UInt8],
                  _ caller: RegistryCaller) throws(Win32Error) {
        let t = try target(handle, requiring: .setValue, caller)
        try setValue(at: t.position, name, type: type, data: data)
    }

    /// Sets a value of the key at `position` (no access check: the caller's). A link key holds
    /// only SymbolicLinkValue, and only as REG_LINK: anything else is ERROR_ACCESS_DENIED ([WA]
    /// test_symlinks).
    func setValue(at position: KeyPosition, _ name: RegistryName, type: RegistryValueType, data: [UInt8]) throws(Win32Error) {
        try writable(position.mount)
        guard name.codeUnits.count <= HiveEditor.maxValueNameLength else { throw .invalidParameter }
        if try isLink(position) {
            let isTarget = name.codeUnits.withUnsafeBufferPointer { u in
                Self.linkValueName.codeUnits.withUnsafeBufferPointer { compareFolded($0, u) } == 0
            }
            guard isTarget, type == .link else { throw .accessDenied }
        }
        switch position {
        case let .stored(m, cell):
            do {
                try m.editor!.setValue(of: cell, named: name, type: type.rawValue, bytes: data)
            } catch {
                throw win32(error)
            }
            markDirty(m)
        case let .volatile(_, node):
            let v = VolatileValue(name: name, type: type.rawValue, data: data)
            if let i = name.codeUnits.withUnsafeBufferPointer({ node.valueIndex($0) }) {
                node.values[i] = v
            } else {
                node.values.append(v)
            }
            node.lastWritten = keyClock()
        }
        changed(position, .lastSet)
    }

    /// Every value of a key, in list order.
    func values(of position: KeyPosition) throws(Win32Error) -> [RegistryValue] {
        switch position {
        case let .stored(m, cell):
            return try readingHive {
                var out: [RegistryValue] = []
                let hive = m.hive
                try hive.forEachValue(of: hive.key(at: cell)) { v throws(HiveError) in
                    out.append(RegistryValue(name: v.name, type: v.type, data: try hive.data(of: v).bytes))
                }
                return out
            }
        case let .volatile(_, node):
            return node.values.map { RegistryValue(name: $0.name, type: RegistryValueType($0.type), data: $0.data) }
        }
    }

    /// RegDeleteValue (needs KEY_SET_VALUE); a missing value is ERROR_FILE_NOT_FOUND.
    func deleteValue(_ handle: KeyHandle, _ name: RegistryName, _ caller: RegistryCaller) throws(Win32Error) {
        let t = try target(handle, requiring: .setValue, caller)
        try writable(t.position.mount)
        switch t.position {
        case let .stored(m, cell):
            let removed: Bool
            do {
                removed = try m.editor!.deleteValue(of: cell, named: name)
            } catch {
                throw win32(error)
            }
            guard removed else { throw .fileNotFound }
            markDirty(m)
        case let .volatile(_, node):
            guard let i = name.codeUnits.withUnsafeBufferPointer({ node.valueIndex($0) }) else { throw .fileNotFound }
            node.values.remove(at: i)
            node.lastWritten = keyClock()
        }
        changed(t.position, .lastSet)
    }

    /// Every value of a key (RegDeleteTree without a subkey).
    func deleteAllValues(_ position: KeyPosition) throws(Win32Error) {
        try writable(position.mount)
        switch position {
        case let .stored(m, cell):
            do {
                var names: [RegistryName] = []
                try m.hive.forEachValue(of: m.hive.key(at: cell)) { v throws(HiveError) in names.append(v.name) }
                for n in names { _ = try m.editor!.deleteValue(of: cell, named: n) }
            } catch {
                throw win32(error)
            }
            markDirty(m)
        case let .volatile(_, node):
            node.values.removeAll()
            node.lastWritten = keyClock()
        }
    }
}
