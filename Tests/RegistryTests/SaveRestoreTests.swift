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
