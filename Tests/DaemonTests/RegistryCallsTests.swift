import Foundation
import Registry
import RegistryClient
import Testing

/// The registry-complete calls through the daemon: rename, copy tree, application hives, and
/// HKEY_CLASSES_ROOT handles (their IS_HKCR mark survives the wire).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RegistryCallsTests {
    @Test func renameCopyAndAppHive() async throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let c = try await RegistryClient.connect(socketPath: h.socket)
        defer { c.close() }
        let (src, _) = try await c.createKey(.localMachine, "SOFTWARE\\CallsTest\\Src\\Inner", access: .keyAllAccess)
        try await c.setValue(src, "v", type: .dword, data: [9, 0, 0, 0])
        let parent = try await c.openKey(.localMachine, "SOFTWARE\\CallsTest", access: .keyAllAccess)
        try await c.renameKey(parent, "Src", to: "Renamed")
        await #expect(throws: Win32Error.fileNotFound) { _ = try await c.openKey(parent, "Src", access: .keyRead) }
        #expect(try await c.queryValue(src, "v").data == [9, 0, 0, 0])  // the open handle followed the key
        let (dst, _) = try await c.createKey(parent, "Copy", access: .keyAllAccess)
        try await c.copyTree(parent, "Renamed", to: dst)
        let copied = try await c.openKey(dst, "Inner", access: .keyRead)
        #expect(try await c.queryValue(copied, "v").data == [9, 0, 0, 0])
        await #expect(throws: Win32Error.alreadyExists) { try await c.renameKey(parent, "Copy", to: "Renamed") }

        let file = h.dir.appendingPathComponent("app-\(UUID().uuidString).dat").path
        let app = try await c.loadAppKey(file: file, access: .keyAllAccess)
        let (k, _) = try await c.createKey(app, "Settings", access: .keyAllAccess)
        try await c.setValue(k, "x", type: .dword, data: [1, 0, 0, 0])
        try await c.closeKey(k)
        try await c.closeKey(app)
        #expect(FileManager.default.fileExists(atPath: file))
        let again = try await c.loadAppKey(file: file, access: .keyRead)
        let s = try await c.openKey(again, "Settings", access: .keyRead)
        #expect(try await c.queryValue(s, "x").data == [1, 0, 0, 0])

        _ = try await c.createKey(.localMachine, "SOFTWARE\\Classes\\CallsTest.File", access: .keyAllAccess)
        let cr = try await c.openKey(.classesRoot, "CallsTest.File", access: .keyRead)
        #expect(cr.rawValue & 3 == 2)
    }
}
