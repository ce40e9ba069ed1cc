import HiveFormat
import Security

/// RegRenameKey, RegCopyTree, RegGetKeySecurity / RegSetKeySecurity (docs/live-registry.md,
/// "Rename, copy, security", for the sources).
extension RegistryCore {
    /// RegRenameKey(base, subkey, newName): `subkey` nil or empty renames the handle's key, which
    /// then needs KEY_WRITE; otherwise the subkey's descriptor must grant it. The caller needs
    /// KEY_CREATE_SUB_KEY on the parent and DELETE on every key of the subtree ([D-RegRenameKey]).
    /// A sibling already bearing the name is ERROR_ALREADY_EXISTS (our choice: unconfirmed).
    /// Handles open on the key and below stay valid: they follow the key to its new name.
    func renameKey<P: RegistryPath>(_ base: KeyHandle, _ subkey: P?, to newName: some RegistryPath,
                                    _ caller: RegistryCaller) throws(Win32Error) {
        let position = try key(base, subkey, requiring: .keyWrite, caller)
        try writable(position.mount)
        let units = newName.registryName.codeUnits
        guard !units.isEmpty, units.count <= HiveEditor.maxKeyNameLength, !units.contains(0x5C) else { throw .invalidParameter }
        if case let .stored(m, cell) = position, cell == m.rootCell { throw .accessDenied }
        if case let .volatile(m, node) = position, m === master, node === root || node === machine || node === users {
            throw .accessDenied
        }
        guard let parent = parent(of: position) else { throw .accessDenied }
        _ = try accessCheck(parent, .createSubKey, caller, options: [])
        var stack = [position]
        while let next = stack.popLast() {
            _ = try accessCheck(next, .delete, caller, options: [])
            stack += try children(of: next)
        }
        if let existing = try units.withUnsafeBufferPointer({ u throws(Win32Error) in try child(of: parent, named: u) }),
           !existing.isSame(as: position) {
            throw .alreadyExists
        }
        let name = RegistryName(codeUnits: units)
        switch position {
        case let .stored(m, cell):
            let moved: UInt32
            do {
                moved = try m.editor!.renameKey(cell, to: name)
            } catch {
                throw win32(error)
            }
            if moved != cell {
                if let o = m.objects.removeValue(forKey: cell) {
                    o.cell = moved
                    m.objects[moved] = o
                }
                if let volatile = m.volatileChildren.removeValue(forKey: cell) {
                    for e in volatile.entries { if case let .key(n) = e.child { n.storedParent = moved } }
                    m.volatileChildren[moved] = volatile
                }
            }
            markDirty(m)
        case let .volatile(m, node):
            if let p = node.parent {
                p.children.remove(node.name)
                node.name = name
                p.children.insert(name, .key(node))
                p.lastWritten = keyClock()
            } else if let stored = node.storedParent {
                m.volatileChildren[stored]?.remove(node.name)
                node.name = name
                m.volatileChildren[stored, default: VolatileChildren()].insert(name, .key(node))
            }
        }
        changed(parent, .name)
    }

    /// RegCopyTree(source, subkey, destination): the source key's values and subkeys (with their
    /// class names and security descriptors) into the destination, over what is there: values
    /// replace values of the same name, existing subkeys are merged into ([WA] test_reg_copy_tree).
    /// The source needs KEY_READ, the destination handle KEY_CREATE_SUB_KEY ([D-RegCopyTree]).
    /// The source is read whole before anything is written, so copying a key into its own
    /// subtree ends. Volatile keys are copied as volatile keys.
    func copyTree<P: RegistryPath>(_ source: KeyHandle, _ subkey: P?, to destination: KeyHandle, _ caller: RegistryCaller) throws(Win32Error) {
        let from = try key(source, subkey, requiring: .keyRead, caller)
        let to = try target(destination, requiring: .createSubKey, caller).position
        try writable(to.mount)

        // Read: every key of the subtree, parents before children.
        var plan: [CopiedKey] = [CopiedKey(parent: -1, name: RegistryName(""), className: nil, security: nil, volatile: false,
                                           values: try values(of: from))]
        var stack: [(KeyPosition, Int)] = [(from, 0)]
        while let (p, index) = stack.popLast() {
            for c in try children(of: p) {
                plan.append(CopiedKey(parent: index, name: try name(of: c), className: try className(of: c),
                                      security: try c.mount.descriptor(of: c), volatile: c.isVolatile, values: try values(of: c)))
                stack.append((c, plan.count - 1))
            }
        }
        // Write.
        var made: [KeyPosition] = [to]
        made.reserveCapacity(plan.count)
        for (i, k) in plan.enumerated() {
            let position: KeyPosition
            if i == 0 {
                position = to
            } else {
                let parent = made[k.parent]
                if let existing = try k.name.codeUnits.withUnsafeBufferPointer({ u throws(Win32Error) in try child(of: parent, named: u) }) {
                    position = existing
                } else {
                    position = try makeKey(under: parent, named: k.name, className: k.className,
                                           options: k.volatile ? .volatile : [], security: nil, exactly: k.security, caller)
                }
            }
            made.append(position)
            for v in k.values { try setValue(at: position, v.name, type: v.type, data: v.data) }
        }
    }

    /// The key an API's (handle, optional subkey) pair names, with `rights`: on the handle when
    /// there is no subkey, else on the subkey's descriptor (as the API opens it with them).
    private func key<P: RegistryPath>(_ base: KeyHandle, _ subkey: P?, requiring rights: AccessMask,
                     _ caller: RegistryCaller) throws(Win32Error) -> KeyPosition {
        guard let subkey, !subkey.isEmpty else { return try target(base, requiring: rights, caller).position }
        let start = try target(base, requiring: [], caller)
        guard let p = try withUTF16(subkey, { u throws(Win32Error) in try walk(from: start.position, u) }) else {
            throw .fileNotFound
        }
        _ = try accessCheck(p, rights, caller, options: [])
        return p
    }

    private struct CopiedKey {
        var parent: Int
        var name: RegistryName
        var className: RegistryName?
        var security: SecurityDescriptor?
        var volatile: Bool
        var values: [RegistryValue]
    }

    func name(of p: KeyPosition) throws(Win32Error) -> RegistryName {
        switch p {
        case let .stored(m, cell): try readingHive { try m.hive.key(at: cell).name }
        case let .volatile(_, node): node.name
        }
    }

    func className(of p: KeyPosition) throws(Win32Error) -> RegistryName? {
        switch p {
        case let .stored(m, cell): try readingHive { try m.hive.className(of: m.hive.key(at: cell)) }
        case let .volatile(_, node): node.className
        }
    }

    /// RegGetKeySecurity: the key's descriptor (needs READ_CONTROL).
    func keySecurity(_ handle: KeyHandle, _ caller: RegistryCaller) throws(Win32Error) -> SecurityDescriptor {
        let t = try target(handle, requiring: .readControl, caller)
        return try t.position.mount.descriptor(of: t.position)
    }

    /// RegSetKeySecurity with owner and DACL: the handle needs WRITE_DAC, and WRITE_OWNER when
    /// the owner changes. Watchers of SECURITY (and of ATTRIBUTES, which the documentation says
    /// covers the security descriptor) fire. Keys of an application hive all share one
    /// descriptor ([D-RegLoadAppKeyW]): refused there with ERROR_ACCESS_DENIED (our choice of code).
    func setKeySecurity(_ handle: KeyHandle, _ descriptor: SecurityDescriptor, _ caller: RegistryCaller) throws(Win32Error) {
        let t = try target(handle, requiring: .writeDAC, caller)
        let current = try t.position.mount.descriptor(of: t.position)
        if descriptor.owner != current.owner, !t.access.contains(.writeOwner) { throw .accessDenied }
        try writable(t.position.mount)
        guard !t.position.mount.isAppHive else { throw .accessDenied }
        switch t.position {
        case let .stored(m, cell):
            do {
                try m.editor!.setSecurity(of: cell, to: descriptor.bytes)
            } catch {
                throw win32(error)
            }
            m.descriptors.removeAll()
            markDirty(m)
        case let .volatile(_, node):
            node.security = descriptor
        }
        changed(t.position, [.security, .attributes])
    }
}

extension KeyPosition {
    /// Whether two positions name the same key.
    func isSame(as other: KeyPosition) -> Bool {
        switch (self, other) {
        case let (.stored(a, x), .stored(b, y)): a === b && x == y
        case let (.volatile(_, a), .volatile(_, b)): a === b
        default: false
        }
    }

    var isVolatile: Bool {
        if case .volatile = self { return true }
        return false
    }
}
