import Foundation
import Registry
@testable import RegistryClient
import Testing
import Wire

/// RegNotifyChangeKeyValue and RegSaveKeyEx through the daemon (docs/protocol.md: request 29 and
/// notice 3; docs/live-registry.md "Notifications" and "Save and restore").
@Suite(.serialized, .timeLimit(.minutes(2)))
struct NotificationCallsTests {
    static let enumDir = NTStatus(rawValue: 0x10C), cleanup = NTStatus(rawValue: 0x10B), cancelled = NTStatus(rawValue: 0xC000_0120)

    /// A change made by another connection signals the wait; closing the handle ends another with
    /// STATUS_NOTIFY_CLEANUP; KEY_NOTIFY is needed, and its absence is the call's error.
    @Test func aChangeOrACloseSignalsTheWait() async throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let watcher = try await RegistryClient.connect(socketPath: h.socket)
        defer { watcher.close() }
        let writer = try await RegistryClient.connect(socketPath: h.socket)
        defer { writer.close() }
        let (k, _) = try await watcher.createKey(.localMachine, "SOFTWARE\\NotifyCalls\\Deep", access: .keyRead)
        let top = try await watcher.openKey(.localMachine, "SOFTWARE\\NotifyCalls", access: .keyRead)

        let onTop = try await watcher.notifyChangeKeyValue(top, watchSubtree: true, filter: .lastSet)
        let onTopOnly = try await watcher.notifyChangeKeyValue(top, watchSubtree: false, filter: .lastSet)
        #expect(await onTop.wait(timeout: .milliseconds(100)) == nil, "nothing changed yet")
        let (w, _) = try await writer.createKey(.localMachine, "SOFTWARE\\NotifyCalls\\Deep", access: .keyAllAccess)
        try await writer.setValue(w, "v", type: .dword, data: [1, 0, 0, 0])
        #expect(await onTop.wait(timeout: .seconds(10)) == Self.enumDir)
        #expect(onTopOnly.status == nil, "a change below does not concern a key-only wait")

        let onDeep = try await watcher.notifyChangeKeyValue(k, watchSubtree: false, filter: [])
        try await watcher.closeKey(k)
        #expect(await onDeep.wait(timeout: .seconds(10)) == Self.cleanup)

        let noNotify = try await watcher.openKey(.localMachine, "SOFTWARE\\NotifyCalls", access: .queryValue)
        await #expect(throws: Win32Error.accessDenied) {
            _ = try await watcher.notifyChangeKeyValue(noNotify, watchSubtree: false, filter: .name)
        }
        watcher.close()
        #expect(await onTopOnly.wait(timeout: .seconds(10)) == Self.cleanup, "the connection's end ends it (the daemon closed its handles)")
    }

    /// A registration made on a logical thread ends with it (STATUS_CANCELLED) unless made with
    /// REG_NOTIFY_THREAD_AGNOSTIC, which outlives the thread and still sees the change.
    @Test func aThreadsEndCancelsItsRegistrations() async throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let c = try await RegistryClient.connect(socketPath: h.socket)
        defer { c.close() }
        let (k, _) = try await c.createKey(.localMachine, "SOFTWARE\\NotifyThreads", access: .keyAllAccess)
        let (bound, agnostic) = try await c.onNewThread {
            (try await c.notifyChangeKeyValue(k, watchSubtree: false, filter: .name),
             try await c.notifyChangeKeyValue(k, watchSubtree: false, filter: [.name, .threadAgnostic]))
        }
        #expect(await bound.wait(timeout: .seconds(10)) == Self.cancelled)
        #expect(await agnostic.wait(timeout: .milliseconds(100)) == nil)
        _ = try await c.createKey(k, "Child", access: .keyRead)
        #expect(await agnostic.wait(timeout: .seconds(10)) == Self.enumDir)
    }

    /// [D-RegSaveKeyEx]: one format per call — two flags, or REG_NO_COMPRESSION below a hive's
    /// root, are ERROR_INVALID_PARAMETER; each format writes its version.
    @Test func saveKeyExFormats() async throws {
        let h = try DaemonHarness(demo: false)
        defer { h.stop() }
        let c = try await RegistryClient.connect(socketPath: h.socket)
        defer { c.close() }
        let (k, _) = try await c.createKey(.localMachine, "SOFTWARE\\SaveFormats", access: .keyAllAccess)
        try await c.setValue(k, "v", type: .dword, data: [5, 0, 0, 0])
        let dir = h.dir.appendingPathComponent("saves-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        await #expect(throws: Win32Error.invalidParameter) { _ = try await c.call(.saveKey(k, file: file("both"), flags: 3)) }
        await #expect(throws: Win32Error.invalidParameter) { try await c.saveKey(k, file: file("image"), format: .noCompression) }
        for (format, minor) in [(SaveFormat?.none, UInt8(3)), (.standard, 3), (.latest, 5)] {
            let f = file("saved-\(format.map { "\($0)" } ?? "plain")")
            try await c.saveKey(k, file: f, format: format)
            #expect(try Data(contentsOf: URL(fileURLWithPath: f))[24] == minor)
        }
        let software = try await c.openKey(.localMachine, "SOFTWARE", access: .keyRead)
        try await c.saveKey(software, file: file("image"), format: .noCompression)
        #expect(FileManager.default.fileExists(atPath: file("image")))
    }
}
