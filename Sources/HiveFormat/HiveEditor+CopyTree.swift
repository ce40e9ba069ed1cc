extension HiveEditor {
    /// Copies what `sourceKey` of `source` holds — its values and, recursively, its subkeys with
    /// their class names and security descriptors — into the existing key `target` of this hive
    /// (RegSaveKey writes a key into a new hive this way; RegRestoreKey a saved hive into a key).
    /// `source` may be another hive or this one's own image read before any write lands in it;
    /// the walk is iterative, so depth costs no stack.
    public func copyContents(of sourceKey: NamedKey, in source: Hive, into target: UInt32) throws(HiveError) {
        var stack: [(NamedKey, UInt32)] = [(sourceKey, target)]
        while let (from, to) = stack.popLast() {
            var values: [(RegistryName, UInt32, [UInt8])] = []
            try source.forEachValue(of: from) { v throws(HiveError) in values.append((v.name, v.type.rawValue, try source.data(of: v).bytes)) }
            for (name, type, bytes) in values { try setValue(of: to, named: name, type: type, bytes: bytes) }
            for child in try source.subkeys(of: from) {
                let security = Array(try source.security(of: child).descriptor)
                let made = try createKey(under: to, named: child.name, className: try source.className(of: child), security: security)
                stack.append((child, made.offset))
            }
        }
    }
}
