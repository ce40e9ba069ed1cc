import HiveFormat
import Security

/// Open, create, close, delete, delete tree, query info, enumerate subkeys, flush.
extension RegistryCore {
    /// A handle for `caller`'s process: ERROR_NOT_ENOUGH_QUOTA when it holds `handleQuota` already.
    func newHandle(_ o: KeyObject, access: AccessMask, classes: ClassesView? = nil, _ caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        let p = process(caller.process)
        guard p.handles.count < quotas.handlesPerProcess else { throw .notEnoughQuota }
        retain(o)
        return p.handles.insert(.init(object: o, access: access, classes: classes))
    }

    /// The most levels one RegCreateKeyEx creates.
    static let levelsPerCreate = 32

    /// How many keys lie above `position`, up to \REGISTRY.
    func depth(of position: KeyPosition) -> Int {
        var d = 0
        var p = position
        while let up = parent(of: p), d <= HiveEditor.maxDepth + 8 {
            d += 1
            p = up
        }
        return d
    }

    /// A write may change `m` (a snapshot: ERROR_KEY_DELETED).
    func writable(_ m: HiveMount) throws(Win32Error) {
        guard !m.isReadOnly else { throw .keyDeleted }
    }

    /// RegOpenKeyEx. Opening relative to a deleted key is ERROR_KEY_DELETED ([WA], [C2]); a name
    /// that is not there, ERROR_FILE_NOT_FOUND.
    func openKey(_ base: KeyHandle, _ path: some RegistryPath, options: KeyOptions, access: AccessMask,
                 _ caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        let start = try target(base, requiring: [], caller)
        if let view = classesView(of: base, caller) { return try openClasses(view, path.text, options: options, access: access, caller) }
        guard let position = try withUTF16(path, { units throws(Win32Error) in
            try walk(from: start.position, units, openLink: options.contains(.openLink))
        }) else {
            throw .fileNotFound
        }
        let granted = try accessCheck(position, access, caller, options: options)
        return try newHandle(object(for: position), access: granted, caller)
    }

    /// RegCreateKeyEx: opens the key, creating it and any missing keys above it. A new key's
    /// descriptor is `security` over what it inherits; creating needs KEY_CREATE_SUB_KEY on the
    /// parent's descriptor; below a volatile key only volatile keys (ERROR_CHILD_MUST_BE_VOLATILE).
    func createKey(_ base: KeyHandle, _ path: some RegistryPath, className: RegistryName?, options: KeyOptions,
                   access: AccessMask, security: SecurityDescriptor?,
                   _ caller: RegistryCaller) throws(Win32Error) -> (KeyHandle, Disposition) {
        let start = try target(base, requiring: [], caller)
        if let view = classesView(of: base, caller) {
            return try createClasses(view, path.text, className: className, options: options, access: access, security: security, caller)
        }
        return try withUTF16(path) { units throws(Win32Error) -> (KeyHandle, Disposition) in
            guard units.first != 0x5C else { throw .badPathname }
            var parts = PathComponents(units)
            guard let (position, created) = try createWalk(from: start.position, &parts, className: className, options: options,
                                                           security: security, reparses: 0, caller) else { throw .fileNotFound }
            let granted = try accessCheck(position, access, caller, options: options)
            return (try newHandle(object(for: position), access: granted, caller), created ? .createdNewKey : .openedExistingKey)
        }
    }

    /// Walks `parts` below `start`, creating what is missing; symbolic links on the way are
    /// followed (the last one too, unless REG_OPTION_OPEN_LINK); an existing key where
    /// REG_OPTION_CREATE_LINK asks for a new link is ERROR_ALREADY_EXISTS ([WA] test_symlinks).
    func createWalk(from start: KeyPosition, _ parts: inout PathComponents, className: RegistryName?,
                            options: KeyOptions, security: SecurityDescriptor?, reparses: Int,
                            _ caller: RegistryCaller) throws(Win32Error) -> (KeyPosition, created: Bool)? {
        var position = start
        var created = false
        while let name = parts.next() {
            let isLast = parts.atEnd
            if let (next, isLink) = try step(from: position, named: name) {
                if isLast, options.contains(.createLink) { throw .alreadyExists }
                if isLink, !(isLast && options.contains(.openLink)) {
                    return try reparse(at: next, rest: parts.remainder, reparses: reparses) { p, rest, count throws(Win32Error) in
                        try createWalk(from: p, &rest, className: className, options: options, security: security,
                                       reparses: count, caller)
                    }
                }
                position = next
            } else {
                // "You can create up to 32 levels at a time through a single registry API call"
                // (Registry element size limits): refused before anything is created.
                if !created, 1 + parts.remainingCount > Self.levelsPerCreate { throw .invalidParameter }
                position = try makeKey(under: position, named: RegistryName(codeUnits: Array(name)),
                                       className: isLast ? className : nil, options: options,
                                       security: isLast ? security : nil, link: isLast && options.contains(.createLink), caller)
                created = true
            }
        }
        return (position, created)
    }

    func makeKey(under parent: KeyPosition, named name: RegistryName, className: RegistryName?,
                         options: KeyOptions, security: SecurityDescriptor?, link: Bool = false,
                         exactly exact: SecurityDescriptor? = nil, _ caller: RegistryCaller) throws(Win32Error) -> KeyPosition {
        try writable(parent.mount)
        guard name.codeUnits.count <= HiveEditor.maxKeyNameLength else { throw .invalidParameter }
        _ = try accessCheck(parent, .createSubKey, caller, options: options)
        let volatile = options.contains(.volatile)
        // Stored keys: the hive editor counts from the hive's root; volatile keys have no hive to
        // count in, so from \REGISTRY.
        if volatile, depth(of: parent) + 1 >= HiveEditor.maxDepth { throw .invalidParameter }
        let parentSD = try parent.mount.descriptor(of: parent)
        // An application hive's keys all share its root's descriptor ([D-RegLoadAppKeyW]); a copied
        // key keeps its source's.
        let sd = parent.mount.isAppHive ? parentSD
            : exact ?? SecurityDescriptor.forNewObject(under: parentSD, explicit: security, creator: caller.token)
        switch parent {
        case let .volatile(m, node):
            guard volatile else { throw .childMustBeVolatile }
            let child = VolatileKey(name: name, parent: node, storedParent: nil, className: className,
                                    security: sd, now: keyClock())
            child.isLink = link
            node.children.insert(name, .key(child))
            node.lastWritten = keyClock()
            changed(parent, .name)
            return .volatile(m, child)
        case let .stored(m, cell):
            if volatile {
                let child = VolatileKey(name: name, parent: nil, storedParent: cell, className: className,
                                        security: sd, now: keyClock())
                child.isLink = link
                m.volatileChildren[cell, default: VolatileChildren()].insert(name, .key(child))
                changed(parent, .name)
                return .volatile(m, child)
            }
            let bytes = sd.bytes
            let shared = sd == parentSD
            do {
                let made = try m.editor!.createKey(under: cell, named: name, className: className,
                                                   security: shared ? nil : bytes)
                if link { try m.editor!.setFlag(.symbolicLink, on: made.offset, true) }
                if !shared { m.descriptors.removeAll() }
                markDirty(m)
                changed(parent, .name)
                return .stored(m, made.offset)
            } catch {
                throw win32(error)
            }
        }
    }

    /// RegCloseKey: always succeeds on a handle the process has, deleted key or not.
    func closeKey(_ handle: KeyHandle, _ caller: RegistryCaller) throws(Win32Error) {
        if handle.isPredefined { return }
        guard let entry = existingProcess(caller.process)?.handles.remove(handle) else { throw .invalidHandle }
        completeWatchers(of: entry.object, process: caller.process, handle: handle)
        release(entry.object)
    }

    /// RegDeleteKey(base, subkey): the key must have no subkeys (ERROR_ACCESS_DENIED, [RRP]
    /// §3.1.5.8; STATUS_CANNOT_DELETE maps to 5). Handles open on it stay valid and turn deleted.
    func deleteKey(_ base: KeyHandle, _ subkey: some RegistryPath, _ caller: RegistryCaller) throws(Win32Error) {
        let start = try target(base, requiring: subkey.isEmpty ? .delete : [], caller)
        let position: KeyPosition
        if subkey.isEmpty {
            position = start.position
        } else if let view = classesView(of: base, caller) {
            position = try classesKeyToDelete(view, subkey.text, caller)
            _ = try accessCheck(position, .delete, caller, options: [])
        } else {
            guard let p = try withUTF16(subkey, { u throws(Win32Error) in try walk(from: start.position, u) }) else {
                throw .fileNotFound
            }
            _ = try accessCheck(p, .delete, caller, options: [])
            position = p
        }
        try writable(position.mount)
        guard try !hasChildren(position) else { throw .accessDenied }
        let parent = watcherCount > 0 ? parent(of: position) : nil  // only a pending notification needs it
        try remove(position)
        if let parent { changed(parent, .name) }
    }

    /// Removes one childless key and kills its object.
    private func remove(_ position: KeyPosition) throws(Win32Error) {
        switch position {
        case let .stored(m, cell):
            guard cell != m.rootCell else { throw .accessDenied }
            if let o = m.objects[cell] { kill(o, .deleted) }
            m.volatileChildren[cell] = nil
            do {
                try m.editor!.deleteKey(cell)
            } catch {
                throw win32(error)
            }
            m.descriptors.removeAll()
            markDirty(m)
        case let .volatile(m, node):
            guard m !== master || (node !== root && node !== machine && node !== users) else { throw .accessDenied }
            if let o = node.object { kill(o, .deleted) }
            if let parent = node.parent {
                parent.children.remove(node.name)
            } else if let stored = node.storedParent {
                m.volatileChildren[stored]?.remove(node.name)
                if m.volatileChildren[stored]?.isEmpty == true { m.volatileChildren[stored] = nil }
            }
        }
    }

    /// RegDeleteTree(base, subkey): with a subkey, it and everything below it; without, the
    /// key's values and subkeys but not the key. The key needs DELETE, KEY_ENUMERATE_SUB_KEYS
    /// and KEY_QUERY_VALUE (RegDeleteTree's documentation); each key below needs DELETE.
    func deleteTree<P: RegistryPath>(_ base: KeyHandle, _ subkey: P?, _ caller: RegistryCaller) throws(Win32Error) {
        let needed: AccessMask = [.delete, .enumerateSubKeys, .queryValue]
        let start = try target(base, requiring: subkey == nil ? needed : [], caller)
        var top = start.position
        if let subkey, !subkey.isEmpty {
            guard let p = try withUTF16(subkey, { u throws(Win32Error) in try walk(from: start.position, u) }) else {
                throw .fileNotFound
            }
            _ = try accessCheck(p, needed, caller, options: [])
            top = p
        }
        try writable(top.mount)
        // Every key below: each needs DELETE, and each one's object turns deleted.
        var below: [KeyPosition] = []
        var stack = try children(of: top)
        while let next = stack.popLast() {
            _ = try accessCheck(next, .delete, caller, options: [])
            below.append(next)
            stack += try children(of: next)
        }
        let keepTop = subkey == nil || subkey!.isEmpty
        if !keepTop {
            guard case let .stored(m, cell) = top, cell == m.rootCell else {
                let parent = watcherCount > 0 ? parent(of: top) : nil
                try removeTree(top, below: below)
                if let parent { changed(parent, .name) }
                return
            }
            throw .accessDenied
        }
        try removeTree(top, below: below, keepingTop: true)
        try deleteAllValues(top)
        changed(top, [.name, .lastSet])
    }

    /// Removes `top`'s subtree (`below` lists every key in it) in one pass over the hive: the
    /// objects turn deleted, the volatile keys go, the stored keys are freed once.
    func removeTree(_ top: KeyPosition, below: [KeyPosition], keepingTop: Bool = false) throws(Win32Error) {
        for p in below { markDeleted(p) }
        switch top {
        case let .stored(m, cell):
            do {
                if keepingTop {
                    try m.editor!.deleteAllSubkeys(of: cell)
                    m.volatileChildren[cell] = nil
                } else {
                    markDeleted(top)
                    try m.editor!.deleteKey(cell, recursive: true)
                }
            } catch {
                throw win32(error)
            }
            m.descriptors.removeAll()
            markDirty(m)
        case let .volatile(_, node):
            if keepingTop {
                node.children = VolatileChildren()
            } else {
                try remove(top)
            }
        }
    }

    /// A key of a subtree being removed: its object dies, a volatile one leaves its parent's list.
    private func markDeleted(_ p: KeyPosition) {
        switch p {
        case let .stored(m, cell):
            if let o = m.objects[cell] { kill(o, .deleted) }
            m.volatileChildren[cell] = nil
        case let .volatile(m, node):
            if let o = node.object { kill(o, .deleted) }
            if let stored = node.storedParent {
                m.volatileChildren[stored]?.remove(node.name)
                if m.volatileChildren[stored]?.isEmpty == true { m.volatileChildren[stored] = nil }
            }
        }
    }

    /// The direct subkeys of a key (stored, then volatile); hives mounted below are not subkeys
    /// a delete may enter.
    func children(of position: KeyPosition) throws(Win32Error) -> [KeyPosition] {
        switch position {
        case let .stored(m, cell):
            var out: [KeyPosition] = []
            do {
                for k in try m.hive.subkeys(of: m.hive.key(at: cell)) { out.append(.stored(m, k.offset)) }
            } catch {
                throw win32(error)
            }
            for e in m.volatileChildren[cell]?.entries ?? [] {
                if case let .key(n) = e.child { out.append(.volatile(m, n)) }
            }
            return out
        case let .volatile(m, node):
            var out: [KeyPosition] = []
            for e in node.children.entries {
                switch e.child {
                case let .key(n): out.append(.volatile(m, n))
                case .mount: throw .accessDenied
                }
            }
            return out
        }
    }

    /// RegQueryInfoKey (needs KEY_QUERY_VALUE).
    func queryInfo(_ handle: KeyHandle, _ caller: RegistryCaller) throws(Win32Error) -> KeyInfo {
        let t = try target(handle, requiring: .queryValue, caller)
        var info = try queryInfo(t.position)
        if let view = classesView(of: handle, caller) {
            // The merged view's counts (our choice: a caller sizing a loop by them meets every entry).
            let keys = try mergedSubkeys(view, caller), values = try mergedValues(view, caller)
            info.subkeyCount = keys.count
            info.valueCount = values.count
            for k in keys { info.maxSubkeyNameLength = max(info.maxSubkeyNameLength, try name(of: k).codeUnits.count) }
            for v in values {
                info.maxValueNameLength = max(info.maxValueNameLength, v.name.codeUnits.count)
                info.maxValueDataSize = max(info.maxValueDataSize, v.data.count)
            }
        }
        return info
    }

    private func queryInfo(_ position: KeyPosition) throws(Win32Error) -> KeyInfo {
        switch position {
        case let .stored(m, cell):
            do {
                let hive = m.hive
                let k = try hive.key(at: cell)
                var info = KeyInfo(className: try hive.className(of: k), subkeyCount: Int(k.subkeyCount),
                                   maxSubkeyNameLength: Int(k.maxSubkeyNameField & 0xFFFF) / 2,
                                   maxClassNameLength: Int(k.maxClassNameLength) / 2, valueCount: Int(k.valueCount),
                                   maxValueNameLength: Int(k.maxValueNameLength) / 2,
                                   maxValueDataSize: Int(k.maxValueDataSize),
                                   securityDescriptorSize: try hive.security(of: k).descriptor.count,
                                   lastWritten: k.lastWritten)
                for e in m.volatileChildren[cell]?.entries ?? [] {
                    info.subkeyCount += 1
                    info.maxSubkeyNameLength = max(info.maxSubkeyNameLength, e.name.codeUnits.count)
                    if case let .key(n) = e.child {
                        info.maxClassNameLength = max(info.maxClassNameLength, n.className?.codeUnits.count ?? 0)
                    }
                }
                return info
            } catch {
                throw win32(error)
            }
        case let .volatile(_, node):
            var info = KeyInfo(className: node.className, subkeyCount: node.children.count, maxSubkeyNameLength: 0,
                               maxClassNameLength: 0, valueCount: node.values.count, maxValueNameLength: 0,
                               maxValueDataSize: 0, securityDescriptorSize: node.security.bytes.count,
                               lastWritten: node.lastWritten)
            for e in node.children.entries {
                info.maxSubkeyNameLength = max(info.maxSubkeyNameLength, e.name.codeUnits.count)
                if case let .key(n) = e.child {
                    info.maxClassNameLength = max(info.maxClassNameLength, n.className?.codeUnits.count ?? 0)
                }
            }
            for v in node.values {
                info.maxValueNameLength = max(info.maxValueNameLength, v.name.codeUnits.count)
                info.maxValueDataSize = max(info.maxValueDataSize, v.data.count)
            }
            return info
        }
    }

    /// RegEnumKeyEx (needs KEY_ENUMERATE_SUB_KEYS): stored subkeys in list order, then volatile
    /// ones (Windows keeps the two in separate lists, stable first); ERROR_NO_MORE_ITEMS past the end.
    func enumerateKey(_ handle: KeyHandle, index: Int, _ caller: RegistryCaller) throws(Win32Error) -> EnumeratedKey {
        let t = try target(handle, requiring: .enumerateSubKeys, caller)
        guard index >= 0 else { throw .noMoreItems }
        if let view = classesView(of: handle, caller) {
            let merged = try mergedSubkeys(view, caller)
            guard index < merged.count else { throw .noMoreItems }
            return try enumerated(merged[index])
        }
        switch t.position {
        case let .stored(m, cell):
            return try readingHive {
                let hive = m.hive
                let k = try hive.key(at: cell)
                if index < Int(k.subkeyCount) {
                    guard let c = try hive.subkey(of: k, at: index) else { throw Win32Error.noMoreItems }
                    return EnumeratedKey(name: c.name, className: try hive.className(of: c), lastWritten: c.lastWritten)
                }
                let rest = index - Int(k.subkeyCount)
                guard let entries = m.volatileChildren[cell]?.entries, rest < entries.count else { throw Win32Error.noMoreItems }
                return enumerated(entries[rest])
            }
        case let .volatile(_, node):
            guard index < node.children.count else { throw .noMoreItems }
            return enumerated(node.children.entries[index])
        }
    }

    private func enumerated(_ e: (name: RegistryName, child: VolatileChildren.Child)) -> EnumeratedKey {
        switch e.child {
        case let .key(n): EnumeratedKey(name: n.name, className: n.className, lastWritten: n.lastWritten)
        case let .mount(h):
            EnumeratedKey(name: e.name, className: nil,
                          lastWritten: (try? h.hive.key(at: h.rootCell).lastWritten) ?? FileTime(rawValue: 0))
        }
    }

    /// RegFlushKey: writes the key's hive now. No access is needed; a deleted key is
    /// ERROR_KEY_DELETED ([WA]).
    /// RegFlushKey's in-memory half: the key's hive, and its flush queued (nil: nothing to write).
    func prepareFlushKey(_ handle: KeyHandle, _ caller: RegistryCaller) throws(Win32Error) -> (HiveMount, QueuedFlush?) {
        let t = try target(handle, requiring: [], caller)
        return (t.position.mount, prepareFlush(t.position.mount))
    }
}
