/// Renaming a key in place (RegRenameKey), and the flags a key carries beyond its name's encoding.
extension HiveEditor {
    /// Renames `key` (not the hive's root) to `name`: out of its parent's list, the name rewritten
    /// (the nk cell moves when the new name does not fit it, and its subkeys are re-pointed), back
    /// into the list in Windows' order. Returns the key's offset, which changes when it moved.
    /// A sibling already named so is refused; a new spelling of the same name is not.
    public func renameKey(_ key: UInt32, to name: RegistryName) throws(HiveError) -> UInt32 {
        let units = name.codeUnits
        guard !units.isEmpty, units.count <= Self.maxKeyNameLength else {
            throw .refused(reason: "a key name must have 1 to \(Self.maxKeyNameLength) characters (\"\(name)\" has \(units.count))")
        }
        guard !units.contains(0x5C) else { throw .refused(reason: "a key name cannot contain a backslash (\"\(name)\")") }
        guard key != hive.baseBlock.rootCellOffset else { throw .refused(reason: "the root key of a hive cannot be renamed") }
        let old = try hive.key(at: key)
        let parent = old.parentOffset
        let parentKey = try hive.key(at: parent)
        if let sibling = try hive.subkey(of: parentKey, named: name), sibling.offset != key {
            throw .refused(reason: "a key named \"\(name)\" already exists beside \"\(old.name)\"")
        }
        // Out of the parent's list, under the old name (the list is searched by it).
        if try !removeInPlace(key, named: old.name.codeUnits, under: parent) {
            var children: [UInt32] = []
            if let e = hive.forEachListEntry(of: parentKey, { o, _, _ in children.append(o) }) { throw e }
            children.removeAll { $0 == key }
            try writeSubkeyList(of: parent, children)
        }
        // The name, in a cell that holds it.
        let compressed = units.allSatisfy { $0 <= 0xFF }
        let nameBytes = compressed ? units.count : units.count * 2
        let nk = try reallocate(key, to: NamedKey.fixedSize + nameBytes)
        let flags = (get16(nk, 2) & ~KeyFlags.compressedName.rawValue) | (compressed ? KeyFlags.compressedName.rawValue : 0)
        put16(nk, 2, flags)
        put16(nk, 72, UInt16(nameBytes))
        writeName(units, compressed: compressed, to: data(nk) + NamedKey.fixedSize)
        dirty.mark(nk, Int(cellSize(nk)))
        if nk != key {
            // The subkeys still name the old cell as their parent: read the list without that check.
            var children: [UInt32] = []
            if let e = hive.forEachListEntry(of: try hive.key(at: nk), { o, _, _ in children.append(o) }) { throw e }
            for child in children { put32(child, 16, nk) }
        }
        // Back in, under the new name.
        if try !insertInPlace(nk, named: units, under: parent) {
            var children: [UInt32] = []
            if let e = hive.appendSubkeys(of: try hive.key(at: parent), to: &children) { throw e }
            children.insert(nk, at: try insertionPoint(of: units, in: children))
            try writeSubkeyList(of: parent, children)
        }
        let field = get32(parent, 52)
        if UInt32(units.count * 2) > field & 0xFFFF {
            put32(parent, 52, (field & 0xFFFF_0000) | UInt32(units.count * 2))
        }
        touch(parent)
        touch(nk)
        return nk
    }

    /// Sets or clears one of a key's flags (KEY_SYM_LINK for a link made by
    /// REG_OPTION_CREATE_LINK); the name's encoding flag is not this function's to change.
    public func setFlag(_ flag: KeyFlags, on key: UInt32, _ on: Bool) throws(HiveError) {
        guard !flag.contains(.compressedName) else { throw .refused(reason: "a name's encoding follows the name") }
        _ = try hive.key(at: key)
        let flags = get16(key, 2)
        put16(key, 2, on ? flags | flag.rawValue : flags & ~flag.rawValue)
    }
}
