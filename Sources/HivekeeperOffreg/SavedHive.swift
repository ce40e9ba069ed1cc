import HiveFormat

/// What ORSaveHive writes: a new, compact hive holding the offline hive's tree.
enum SavedHive {
    /// The regf format for the target Windows version: 5.1 and 5.2 (XP, Server 2003) get 1.3,
    /// which every Windows since 2000 reads (RegSaveKey's standard format); 6.0 to 6.3 and 10.0
    /// get 1.5. Anything else is ERROR_INVALID_PARAMETER (docs/c-api.md).
    static func formatMinorVersion(os major: UInt32, _ minor: UInt32) -> UInt32? {
        switch (major, minor) {
        case (5, 1), (5, 2): 3
        case (6, 0...3), (10, 0): 5
        default: nil
        }
    }

    /// The hive rebuilt from its root (name, class, security, every key and value) in the given
    /// format, clean: both sequence numbers equal, the checksum right.
    static func image(of hive: Hive, minorVersion: UInt32) throws(HiveError) -> [UInt8] {
        let root = try hive.rootKey()
        let editor = try HiveEditor.create(path: nil, rootName: root.name, rootSecurity: Array(try hive.security(of: root).descriptor),
                                           minorVersion: minorVersion)
        let newRoot = editor.hive.baseBlock.rootCellOffset
        try editor.setClass(of: newRoot, to: try hive.className(of: root))
        try editor.copyContents(of: root, in: hive, into: newRoot)
        let saved = editor.hive
        var bytes = [UInt8](UnsafeRawBufferPointer(rebasing: saved.storage.bytes.prefix(BaseBlock.size + Int(saved.binsLimit))))
        bytes.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: p.load(fromByteOffset: 4, as: UInt32.self), toByteOffset: 8, as: UInt32.self)
            p.storeBytes(of: BaseBlock.checksum(UnsafeRawPointer(p)).littleEndian, toByteOffset: 508, as: UInt32.self)
        }
        return bytes
    }
}
