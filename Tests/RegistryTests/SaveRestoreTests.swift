import Foundation
import HiveFormat
import Registry
import Security
import Testing
import TestSupport

/// RegSaveKey and RegRestoreKey (docs/live-registry.md "Save and restore": [D-RegSaveKey],
/// [D-RegRestoreKey], KB154806).
struct SaveRestoreTests {
    let dir: URL
    let registry: Registry
    let system = Fixture.system()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    /// HKLM\SOFTWARE\T: values of several types, a class name, nested keys, one volatile key.
    func makeTree() throws -> KeyHandle {
        let (t, _) = try registry.createKey(.localMachine, "SOFTWARE\\T", access: .keyAllAccess, as: system)
        try registry.setValue(t, "", type: .string, data: Array("top\0".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, as: system)
        try registry.setValue(t, "n", type: .dword, data: [7, 0, 0, 0], as: system)
        try registry.setValue(t, "big", type: .binary, data: (0..<20_000).map { UInt8($0 % 251) }, as: system)
        for name in ["b", "A", "c\\d"] {
            let (k, _) = try registry.createKey(t, name, className: "cls", access: .keyAllAccess, as: system)
            try registry.setValue(k, "v", type: .qword, data: [1, 2, 3, 4, 5, 6, 7, 8], as: system)
            try registry.closeKey(k, as: system)
        }
        let (v, _) = try registry.createKey(t, "volatile", options: .volatile, access: .keyAllAccess, as: system)
        try registry.closeKey(v, as: system)
        return t
    }

    /// [D-RegSaveKey]: SE_BACKUP_NAME is needed (held and enabled); KB154806: an existing file
    /// is ERROR_ALREADY_EXISTS.
    @Test func saveNeedsTheBackupPrivilegeAndANewFile() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try makeTree()
        let file = dir.appendingPathComponent("saved.hiv").path
        let admin = Fixture.admin()
        let adminKey = try registry.openKey(.localMachine, "SOFTWARE\\T", access: .keyRead, as: admin)
        #expect(throws: Win32Error.privilegeNotHeld) { try registry.saveKey(adminKey, file: file, as: admin) }
        #expect(!FileManager.default.fileExists(atPath: file))
        try registry.saveKey(t, file: file, as: system)
        #expect(throws: Win32Error.alreadyExists) { try registry.saveKey(t, file: file, as: system) }
    }

    /// The saved file holds the key as it is live — every stored value and subkey, class names,
    /// no volatile key ("saves only nonvolatile keys") — and libhivex reads it the same.
    @Test func aSavedKeyReadsAsTheLiveKeyDoes() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try makeTree()
        let file = dir.appendingPathComponent("saved.hiv").path
        try registry.saveKey(t, file: file, as: system)
        let saved = try Hive(path: file)
        let root = try saved.rootKey()
        #expect(root.name == "T")
        #expect(try saved.subkey(of: root, named: "volatile") == nil)
        #expect(try saved.className(of: try saved.key(path: "A")) == "cls")
        #expect(try saved.className(of: try saved.key(path: "c\\d")) == "cls")
        let ours = ourDump(saved)
        #expect(ours == (try liveDump(t)), "our reader sees the live key")
        if Oracle.missingReason == nil {
            #expect(try Oracle.dump(file) == ours, "libhivex sees the same")
        }
    }

    /// [D-RegSaveKeyEx]: REG_STANDARD_FORMAT is the format Windows 2000 reads (1.3: lf lists, a
    /// value over 16344 bytes in one cell), REG_LATEST_FORMAT XP's (1.5: lh lists, db big data);
    /// RegSaveKey writes the standard one (as Windows' own saved hives in the corpus are, INDEX.md:
    /// NTUSER-WSL.DAT, ntuser_software_partial). Each reads as the live key, here and in libhivex.
    @Test(arguments: [(SaveFormat?.none, UInt32(3)), (.standard, 3), (.latest, 5)])
    func eachFormatWritesItsVersion(format: SaveFormat?, minor: UInt32) throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try makeTree()
        let file = dir.appendingPathComponent("saved.hiv").path
        if let format { try registry.saveKey(t, file: file, format: format, as: system) } else { try registry.saveKey(t, file: file, as: system) }
        let saved = try Hive(path: file)
        #expect(saved.minorVersion == minor)
        #expect(saved.check().problems == [])
        // RegSaveKey writes the hive and nothing else: no transaction log beside it.
        #expect(LogDiscovery.logs(besideHive: file).isEmpty)
        #expect(!saved.baseBlock.isDirty)
        let root = try saved.rootKey()
        #expect(signature(saved, root.subkeyListOffset) == (minor == 3 ? "lf" : "lh"))
        var big: ValueKey?
        try saved.forEachValue(of: root) { v in if v.name == "big" { big = v } }
        let bigData = try #require(big).dataOffset
        #expect((signature(saved, bigData) == "db") == (minor == 5), "a 20000-byte value is db data only in 1.5")
        #expect(ourDump(saved) == (try liveDump(t)))
        if Oracle.missingReason == nil {
            #expect(try Oracle.dump(file) == ourDump(saved), "libhivex sees the same")
        }
    }

    /// [D-RegSaveKeyEx]: REG_NO_COMPRESSION saves a hive's root only (another key:
    /// ERROR_INVALID_PARAMETER), as the hive is: its bins are the live image's, byte for byte,
    /// and the file is clean.
    @Test func noCompressionWritesTheHiveAsItIs() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (k, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Software\\App", access: .keyAllAccess, as: system)
        for i in 0..<50 { try registry.setValue(k, "v\(i)", type: .binary, data: [UInt8](repeating: UInt8(i), count: 2000), as: system) }
        for i in 5..<50 { try registry.deleteValue(k, "v\(i)", as: system) }  // ~90 KB free: it stays in the image
        let file = dir.appendingPathComponent("image.hiv").path
        #expect(throws: Win32Error.invalidParameter) { try registry.saveKey(k, file: file, format: .noCompression, as: system) }
        #expect(!FileManager.default.fileExists(atPath: file))
        let root = try registry.openKey(.users, "S-1-5-21-1000-2000-3000-1001", access: .keyRead, as: system)
        try registry.saveKey(root, file: file, format: .noCompression, as: system)
        #expect(LogDiscovery.logs(besideHive: file).isEmpty)
        try registry.flushHive(at: Fixture.userPath)
        let live = try Data(contentsOf: dir.appendingPathComponent("NTUSER.DAT"))
        let image = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(image.count == live.count)
        #expect(image.dropFirst(4096) == live.dropFirst(4096), "the bins as they are")
        let saved = try Hive(path: file)
        #expect(!saved.baseBlock.isDirty)
        #expect(saved.check().problems == [])
        let compact = dir.appendingPathComponent("compact.hiv").path
        try registry.saveKey(root, file: compact, format: .latest, as: system)
        #expect(try Data(contentsOf: URL(fileURLWithPath: compact)).count < image.count, "a compact save leaves the free space out")
        if Oracle.missingReason == nil {
            #expect(try Oracle.dump(file) == ourDump(saved), "libhivex reads the image")
        }
    }

    /// The two-letter signature of the cell at `offset`.
    func signature(_ hive: Hive, _ offset: UInt32) -> String {
        let at = 4096 + Int(offset) + 4
        return String(decoding: hive.storage.bytes[at..<at + 2], as: UTF8.self)
    }

    /// [D-RegRestoreKey]: the key's values and subkeys become the file's; SE_RESTORE_NAME is
    /// needed; open keys below refuse it unless REG_FORCE_RESTORE, which deletes them.
    @Test func restoreReplacesWhatTheKeyHolds() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try makeTree()
        let file = dir.appendingPathComponent("saved.hiv").path
        try registry.saveKey(t, file: file, as: system)

        let (r, _) = try registry.createKey(.localMachine, "SOFTWARE\\R", access: .keyAllAccess, as: system)
        try registry.setValue(r, "old", type: .dword, data: [1, 0, 0, 0], as: system)
        let (oldChild, _) = try registry.createKey(r, "old child", access: .keyAllAccess, as: system)

        let user = Fixture.user()
        let userKey = try registry.openKey(.localMachine, "SOFTWARE\\R", access: .keyRead, as: user)
        #expect(throws: Win32Error.privilegeNotHeld) { try registry.restoreKey(userKey, file: file, as: user) }
        #expect(throws: Win32Error.accessDenied) { try registry.restoreKey(r, file: file, as: system) }
        #expect(throws: Win32Error.fileNotFound) { try registry.restoreKey(r, file: file + ".missing", force: true, as: system) }

        try registry.restoreKey(r, file: file, force: true, as: system)
        #expect(throws: Win32Error.keyDeleted) { try registry.queryInfoKey(oldChild, as: system) }
        #expect(throws: Win32Error.fileNotFound) { try registry.queryValue(r, "old", as: system) }
        #expect(try registry.queryValue(r, "n", as: system).data == [7, 0, 0, 0])
        // The handle on the key itself goes on, and the tree below it is the saved one.
        let tInfo = try registry.queryInfoKey(t, as: system), rInfo = try registry.queryInfoKey(r, as: system)
        #expect(rInfo.valueCount == tInfo.valueCount && rInfo.subkeyCount == tInfo.subkeyCount - 1)  // no volatile key
        let d = try registry.openKey(r, "c\\d", access: .keyRead, as: system)
        #expect(try registry.queryValue(d, "v", as: system).data == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    /// The live key in ourDump's format (hex paths below the key, values in stored order),
    /// volatile keys left out.
    func liveDump(_ key: KeyHandle) throws -> String {
        func hex(_ s: String) -> String { Array(s.utf8).map { String(format: "%02x", $0) }.joined() }
        var lines: [String] = []
        var stack: [(KeyHandle, String)] = [(key, "")]
        while let (k, path) = stack.popLast() {
            lines.append("K\t" + path)
            var i = 0
            while let v = try? registry.enumerateValue(k, index: i, as: system) {
                lines.append("V\t\(hex(v.name.description))\t\(v.type.rawValue)\t" + v.data.map { String(format: "%02x", $0) }.joined())
                i += 1
            }
            var children: [(KeyHandle, String)] = []
            i = 0
            while let e = try? registry.enumerateKey(k, index: i, as: system) {
                i += 1
                if e.name.description == "volatile" { continue }
                let child = try registry.openKey(k, e.name.description, access: .keyRead, as: system)
                children.append((child, path.isEmpty ? hex(e.name.description) : path + "5c" + hex(e.name.description)))
            }
            stack.append(contentsOf: children.reversed())
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
