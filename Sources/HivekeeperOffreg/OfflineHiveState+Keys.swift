import CHivekeeper
import HiveFormat
import Security

/// Finding keys by path, and what a new key's security is, under the hive's lock.
extension OfflineHiveState {
    /// The key at `path` below the key at `cell` (nil or empty: that key); nil when a component
    /// does not exist. Names match case-insensitively, as Windows compares them.
    func find(_ path: UnsafeBufferPointer<UInt16>?, below cell: UInt32) throws(OfflineError) -> NamedKey? {
        let hive = self.hive
        var key: NamedKey? = try engine { () throws(HiveError) in try hive.key(at: cell) }
        guard let path else { return key }
        try WideString.forEachComponent(of: path) { (part, _) throws(OfflineError) in
            guard let parent = key else { return }
            key = try engine { () throws(HiveError) in try hive.subkey(of: parent, named: part) }
        }
        return key
    }

    /// The descriptor a new key under `parent` gets when ORCreateKey is given none: Microsoft
    /// says its ACLs are inherited from its direct parent. With no token offline, its owner and
    /// group are the parent's, and a parent with nothing to inherit gives it full control for its
    /// owner and SYSTEM (docs/c-api.md). nil when the parent's descriptor cannot be read: the
    /// parent's cell is then shared.
    func inheritedSecurity(under parent: NamedKey) -> [UInt8]? {
        guard let cell = try? hive.security(of: parent),
              let parentSD = try? SecurityDescriptor(bytes: cell.descriptor) else { return nil }
        let owner = parentSD.owner ?? .localSystem
        let creator = Token(user: owner, owner: owner, primaryGroup: parentSD.group ?? owner)
        return SecurityDescriptor.forNewObject(under: parentSD, creator: creator).bytes
    }
}
