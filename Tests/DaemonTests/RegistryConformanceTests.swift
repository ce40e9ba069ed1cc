import Foundation
import Registry
import RegistryClient
import Testing

/// Where a conformance test's registry runs: in this process (`InProcessRegistry`), or in a real
/// hivekeeperd reached through `RegistryClient`.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inProcess, daemon
    var testDescription: String { rawValue }
}

/// A registry under test, as SYSTEM and as a plain user (in Users, not an administrator), with a
/// key HKLM\SOFTWARE\Conformance made by SYSTEM that users may read and not change.
final class Subject: Sendable {
    let system: any RegistryAPI
    /// In-process: another caller, a plain user. Through the daemon, where one process is one
    /// identity: SYSTEM's connection impersonating alice on a logical thread of its own.
    private let user: @Sendable (@Sendable (any RegistryAPI) async throws -> Void) async throws -> Void
    private let stop: @Sendable () -> Void

    private init(system: any RegistryAPI, user: @escaping @Sendable (@Sendable (any RegistryAPI) async throws -> Void) async throws -> Void,
                 stop: @escaping @Sendable () -> Void) {
        self.system = system; self.user = user; self.stop = stop
    }

    /// Runs `body` as the plain user.
    func asUser(_ body: @escaping @Sendable (any RegistryAPI) async throws -> Void) async throws { try await user(body) }

    deinit { stop() }

    static let base: RegistryName = "SOFTWARE\\Conformance"

    static func make(_ backend: Backend) async throws -> Subject {
        let s: Subject
        switch backend {
        case .inProcess:
            let registry = Registry()
            try registry.mountHive(file: nil, at: "\\REGISTRY\\MACHINE\\SOFTWARE", system: true)
            let system = Token(user: .localSystem, groups: [.administrators: .standard, .everyone: .standard],
                               privileges: [.backup: true, .restore: true])
            let sid = try SID(string: "S-1-5-21-1000-2000-3000-1001")
            let user = Token(user: sid, groups: [.users: .standard, .everyone: .standard])
            let userAPI = InProcessRegistry(registry, as: RegistryCaller(process: ProcessID(200), token: user))
            s = Subject(system: InProcessRegistry(registry, as: RegistryCaller(process: ProcessID(100), token: system)),
                        user: { body in try await body(userAPI) }, stop: {})
        case .daemon:
            let h = try DaemonHarness()
            let system = try await RegistryClient.connect(socketPath: h.socket, demoIdentity: "SYSTEM")
            s = Subject(system: system, user: { body in try await system.impersonate("alice") { try await body(system) } }) {
                system.close()
                h.stop()
            }
        }
        let (k, _) = try await s.system.createKey(.localMachine, base, options: [], access: .keyAllAccess)
        try await s.system.closeKey(k)
        return s
    }

    /// A fresh key below the base, opened with every right.
    func key(_ name: RegistryName) async throws -> KeyHandle {
        try await system.createKey(.localMachine, RegistryName(codeUnits: Self.base.codeUnits + [0x5C] + name.codeUnits),
                                   options: [], access: .keyAllAccess).0
    }
}

/// One API, two implementations, the same answers: every test here runs against the in-process
/// registry and against hivekeeperd through RegistryClient (RegistryAPI's promise). The Windows
/// behaviour each checks is windows-semantics.md's (and RegistryTests', in more detail).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RegistryConformanceTests {
    @Test(arguments: Backend.allCases) func createOpenAndDisposition(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let (a, created) = try await api.createKey(.localMachine, "SOFTWARE\\Conformance\\A\\B", options: [], access: .keyAllAccess)
        #expect(created == .createdNewKey)
        let (again, opened) = try await api.createKey(.localMachine, "software\\conformance\\a\\b", options: [], access: .keyRead)
        #expect(opened == .openedExistingKey)
        let o = try await api.openKey(.localMachine, "SOFTWARE\\Conformance\\A", access: .keyRead, options: [])
        #expect(try await api.enumerateKey(o, index: 0).name == "B")
        await #expect(throws: Win32Error.fileNotFound) {
            _ = try await api.openKey(.localMachine, "SOFTWARE\\Conformance\\Missing", access: .keyRead, options: [])
        }
        await #expect(throws: Win32Error.badPathname) {
            _ = try await api.createKey(.localMachine, "\\SOFTWARE\\Conformance\\X", options: [], access: .keyRead)
        }
        for h in [a, again, o] { try await api.closeKey(h) }
    }

    @Test(arguments: Backend.allCases) func valuesSetQueryDelete(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Values")
        try await api.setValue(k, "dw", type: .dword, data: [1, 2, 3, 4])
        try await api.setValue(k, "", type: .string, data: Array("d\0".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        try await api.setValue(k, "DW", type: .binary, data: [9])  // the same name, another case: replaced
        let v = try await api.queryValue(k, "dw")
        #expect(v.type == .binary && v.data == [9])
        #expect(try await api.queryValue(k, "").type == .string)
        await #expect(throws: Win32Error.fileNotFound) { _ = try await api.queryValue(k, "none") }
        try await api.deleteValue(k, "Dw")
        await #expect(throws: Win32Error.fileNotFound) { _ = try await api.queryValue(k, "dw") }
        await #expect(throws: Win32Error.fileNotFound) { try await api.deleteValue(k, "dw") }
        let info = try await api.queryInfoKey(k)
        #expect(info.valueCount == 1 && info.subkeyCount == 0)
    }

    @Test(arguments: Backend.allCases) func enumerationOrder(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Order")
        for name in ["b", "A", "c", "B2", "_x"] as [RegistryName] {
            try await api.closeKey(try await api.createKey(k, name, options: [], access: .keyRead).0)
        }
        for name in ["z", "a", "m"] as [RegistryName] { try await api.setValue(k, name, type: .dword, data: [0, 0, 0, 0]) }
        var keys: [String] = []
        for i in 0..<5 { keys.append(try await api.enumerateKey(k, index: i).name.description) }
        // Windows' order: upper-cased code units ('_' is 0x5F, after the letters' upper case).
        #expect(keys == ["A", "b", "B2", "c", "_x"])
        await #expect(throws: Win32Error.noMoreItems) { _ = try await api.enumerateKey(k, index: 5) }
        var values: [String] = []
        for i in 0..<3 { values.append(try await api.enumerateValue(k, index: i).name.description) }
        #expect(values == ["z", "a", "m"])  // values keep the order they were made in
        await #expect(throws: Win32Error.noMoreItems) { _ = try await api.enumerateValue(k, index: 3) }
        let info = try await api.queryInfoKey(k)
        #expect(info.subkeyCount == 5 && info.maxSubkeyNameLength == 2 && info.valueCount == 3)
    }

    @Test(arguments: Backend.allCases) func deleteAndDeletedKeys(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let parent = try await s.key("Del")
        let child = try await api.createKey(parent, "Child\\Grandchild", options: [], access: .keyAllAccess).0
        // A key with subkeys is not deleted (STATUS_CANNOT_DELETE → ERROR_ACCESS_DENIED).
        await #expect(throws: Win32Error.accessDenied) { try await api.deleteKey(parent, "Child") }
        await #expect(throws: Win32Error.fileNotFound) { try await api.deleteKey(parent, "Nothing") }
        // Another handle to the key deleted: every use but close is ERROR_KEY_DELETED.
        let other = try await api.openKey(parent, "Child\\Grandchild", access: .keyAllAccess, options: [])
        try await api.deleteKey(parent, "Child\\Grandchild")
        await #expect(throws: Win32Error.keyDeleted) { _ = try await api.queryValue(other, "v") }
        await #expect(throws: Win32Error.keyDeleted) { try await api.setValue(other, "v", type: .dword, data: [0, 0, 0, 0]) }
        await #expect(throws: Win32Error.keyDeleted) { _ = try await api.createKey(other, "Below", options: [], access: .keyRead) }
        await #expect(throws: Win32Error.keyDeleted) { _ = try await api.queryInfoKey(child) }
        try await api.closeKey(other)
        try await api.closeKey(child)
        await #expect(throws: Win32Error.fileNotFound) {
            _ = try await api.openKey(parent, "Child\\Grandchild", access: .keyRead, options: [])
        }
        try await api.deleteKey(parent, "Child")
    }

    @Test(arguments: Backend.allCases) func deleteTree(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Tree")
        try await api.closeKey(try await api.createKey(k, "A\\B\\C", options: [], access: .keyRead).0)
        try await api.closeKey(try await api.createKey(k, "D", options: [], access: .keyRead).0)
        try await api.setValue(k, "v", type: .dword, data: [1, 0, 0, 0])
        try await api.deleteTree(k, "A")
        await #expect(throws: Win32Error.fileNotFound) { _ = try await api.openKey(k, "A", access: .keyRead, options: []) }
        #expect(try await api.queryInfoKey(k).subkeyCount == 1)
        // No subkey: the key's values and subkeys go, the key stays.
        try await api.deleteTree(k, nil)
        let info = try await api.queryInfoKey(k)
        #expect(info.subkeyCount == 0 && info.valueCount == 0)
        await #expect(throws: Win32Error.fileNotFound) { try await api.deleteTree(k, "A") }
    }

    @Test(arguments: Backend.allCases) func renameAndCopyTree(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Rename")
        let src = try await api.createKey(k, "Src\\Inner", options: [], access: .keyAllAccess).0
        try await api.setValue(src, "v", type: .dword, data: [7, 0, 0, 0])
        try await api.renameKey(k, "Src", to: "Moved")
        await #expect(throws: Win32Error.fileNotFound) { _ = try await api.openKey(k, "Src", access: .keyRead, options: []) }
        #expect(try await api.queryValue(src, "v").data == [7, 0, 0, 0])  // the open handle followed its key
        let dst = try await api.createKey(k, "Copy", options: [], access: .keyAllAccess).0
        try await api.copyTree(k, "Moved", to: dst)
        let copied = try await api.openKey(dst, "Inner", access: .keyRead, options: [])
        #expect(try await api.queryValue(copied, "v").data == [7, 0, 0, 0])
        await #expect(throws: Win32Error.alreadyExists) { try await api.renameKey(k, "Copy", to: "Moved") }
        await #expect(throws: Win32Error.fileNotFound) { try await api.renameKey(k, "Absent", to: "X") }
        await #expect(throws: Win32Error.fileNotFound) { try await api.copyTree(k, "Absent", to: dst) }
    }

    @Test(arguments: Backend.allCases) func flushAndInvalidHandles(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Flush")
        try await api.setValue(k, "v", type: .dword, data: [1, 0, 0, 0])
        try await api.flushKey(k)
        let bogus = KeyHandle(rawValue: 0x7FF0)
        await #expect(throws: Win32Error.invalidHandle) { try await api.flushKey(bogus) }
        await #expect(throws: Win32Error.invalidHandle) { try await api.closeKey(bogus) }
        await #expect(throws: Win32Error.invalidHandle) { _ = try await api.queryInfoKey(bogus) }
        try await api.closeKey(k)
        await #expect(throws: Win32Error.invalidHandle) { _ = try await api.queryValue(k, "v") }
        await #expect(throws: Win32Error.invalidHandle) { try await api.closeKey(k) }
    }

    @Test(arguments: Backend.allCases) func nameLengthLimits(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Limits")
        let longest = RegistryName(String(repeating: "k", count: 255))
        try await api.closeKey(try await api.createKey(k, longest, options: [], access: .keyRead).0)
        await #expect(throws: Win32Error.invalidParameter) {
            _ = try await api.createKey(k, RegistryName(String(repeating: "k", count: 256)), options: [], access: .keyRead)
        }
        await #expect(throws: Win32Error.invalidParameter) {
            try await api.renameKey(k, longest, to: RegistryName(String(repeating: "r", count: 256)))
        }
        try await api.setValue(k, RegistryName(String(repeating: "v", count: 16_383)), type: .none, data: [])
        await #expect(throws: Win32Error.invalidParameter) {
            try await api.setValue(k, RegistryName(String(repeating: "v", count: 16_384)), type: .none, data: [])
        }
    }

    @Test(arguments: Backend.allCases) func anotherUserIsDenied(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let k = try await s.key("Guarded")
        // Users read HKLM\SOFTWARE; they do not write it.
        try await s.asUser { user in
            try await user.closeKey(try await user.openKey(.localMachine, Subject.base, access: .keyRead, options: []))
            await #expect(throws: Win32Error.accessDenied) {
                _ = try await user.openKey(.localMachine, "SOFTWARE\\Conformance\\Guarded", access: .keyWrite, options: [])
            }
            await #expect(throws: Win32Error.accessDenied) {
                _ = try await user.createKey(.localMachine, "SOFTWARE\\Conformance\\Guarded\\Mine", options: [], access: .keyRead)
            }
        }
        // A descriptor that grants Users full control: now the user may write.
        let sd = try SecurityDescriptor(sddl: "O:SYG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;BU)")
        try await s.system.setKeySecurity(k, sd)
        let got = try await s.system.keySecurity(k)
        #expect(got.owner == .localSystem && got.dacl == sd.dacl)
        try await s.asUser { user in
            let w = try await user.openKey(.localMachine, "SOFTWARE\\Conformance\\Guarded", access: .keyWrite, options: [])
            try await user.setValue(w, "mine", type: .dword, data: [1, 0, 0, 0])
            // Without WRITE_DAC on the handle, the descriptor is not the user's to change.
            await #expect(throws: Win32Error.accessDenied) { try await user.setKeySecurity(w, sd) }
            try await user.closeKey(w)
        }
        #expect(try await s.system.queryValue(k, "mine").data == [1, 0, 0, 0])
    }

    /// Names are UTF-16 code units, lone surrogates included, on every path: made, enumerated,
    /// opened and queried by them, the same units come back.
    @Test(arguments: Backend.allCases) func loneSurrogateNamesRoundTrip(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Surrogates")
        let keyName = RegistryName(codeUnits: [0x4B, 0xD800])
        let valueName = RegistryName(codeUnits: [0xDC00, 0x76])
        let (sub, _) = try await api.createKey(k, keyName, options: [], access: .keyAllAccess)
        try await api.setValue(sub, valueName, type: .dword, data: [5, 0, 0, 0])
        #expect(try await api.enumerateKey(k, index: 0).name.codeUnits == [0x4B, 0xD800])
        #expect(try await api.enumerateValue(sub, index: 0).name.codeUnits == [0xDC00, 0x76])
        // U+FFFD, what a String would have made of it, is another name.
        await #expect(throws: Win32Error.fileNotFound) {
            _ = try await api.openKey(k, RegistryName(codeUnits: [0x4B, 0xFFFD]), access: .keyRead, options: [])
        }
        let again = try await api.openKey(k, keyName, access: .keyRead, options: [])
        let v = try await api.queryValue(again, valueName)
        #expect(v.name.codeUnits == [0xDC00, 0x76] && v.data == [5, 0, 0, 0])
        try await api.renameKey(k, keyName, to: RegistryName(codeUnits: [0xDBFF]))
        #expect(try await api.enumerateKey(k, index: 0).name.codeUnits == [0xDBFF])
    }

    @Test(arguments: Backend.allCases) func changeNotification(_ backend: Backend) async throws {
        let s = try await Subject.make(backend)
        let api = s.system
        let k = try await s.key("Notify")
        let n = try await api.notifyChangeKeyValue(k, watchSubtree: false, filter: [.lastSet, .threadAgnostic])
        #expect(n.status == nil)
        try await api.setValue(k, "v", type: .dword, data: [1, 0, 0, 0])
        #expect(await n.wait(timeout: .seconds(20)) == .notifyEnumDir)
        // Closing the handle ends a pending registration with STATUS_NOTIFY_CLEANUP.
        let m = try await api.notifyChangeKeyValue(k, watchSubtree: true, filter: [.name, .threadAgnostic])
        try await api.closeKey(k)
        #expect(await m.wait(timeout: .seconds(20)) == .notifyCleanup)
    }
}
