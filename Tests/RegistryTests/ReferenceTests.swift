import Foundation
import HiveFormat
import Registry
import Security
import Synchronization
import Testing

/// Reference accounting, HKEY_CURRENT_USER's per-process cache, moving references, lazy flush.
final class ReferenceTests {
    let dir: URL
    let clock = ManualClock()
    let registry: Registry
    let me = Fixture.system()

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir, clock: clock.now)
        try registry.mountHive(file: nil, at: "\\REGISTRY\\USER\\.DEFAULT", system: true)
        // What the Profiles layer will do: the thread's user's hive when loaded, else .DEFAULT.
        registry.setCurrentUserResolver { caller in
            caller.token.user == Fixture.userSID ? Fixture.userPath : "\\REGISTRY\\USER\\.DEFAULT"
        }
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// windows-semantics.md §5 [PK]: HKCU is mapped per process by the first thread that uses it
    /// and persists when the thread's security context changes; [C3]: that cached mapping is a
    /// reference into the user's hive the process never opened, so the hive cannot unload, and
    /// after a forced unload HKCU fails with ERROR_KEY_DELETED.
    @Test func currentUserCacheIsTheHiddenReference() throws {
        let service = ProcessID(500)
        let impersonating = RegistryCaller(process: service, token: Fixture.userToken)
        let asItself = RegistryCaller(process: service, token: Fixture.systemToken)
        let (h, _) = try registry.createKey(.currentUser, "Software\\App", access: .keyAllAccess, as: impersonating)
        try registry.closeKey(h, as: impersonating)
        // The service, no longer impersonating, still reaches the user's hive through HKCU.
        let again = try registry.openKey(.currentUser, "Software\\App", access: .keyRead, as: asItself)
        try registry.closeKey(again, as: asItself)
        let refs = registry.references(toHiveAt: Fixture.userPath)
        #expect(refs.count == 1)
        #expect(refs.first?.kind == .predefinedCache && refs.first?.process == service && refs.first?.handle == nil)
        #expect(refs.first?.keyPath == Fixture.userPath)
        #expect(throws: Win32Error.accessDenied) { try self.registry.unloadHive(at: Fixture.userPath) }
        try registry.unloadHive(at: Fixture.userPath, force: true)
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.openKey(.currentUser, "Software", access: .keyRead, as: asItself) }
        // Another process binds afresh: not the user, so .DEFAULT.
        let other = RegistryCaller(process: ProcessID(501), token: Fixture.systemToken)
        _ = try registry.createKey(.currentUser, "Software", access: .keyRead, as: other)
        #expect(registry.references(toHiveAt: "\\REGISTRY\\USER\\.DEFAULT").map(\.kind) == [.handle, .predefinedCache])
    }

    /// [D-RegDisablePredefinedCache]: after it, each HKCU use resolves afresh and keeps nothing.
    @Test func disabledCacheHoldsNothing() throws {
        let service = RegistryCaller(process: ProcessID(600), token: Fixture.userToken)
        registry.disablePredefinedCache(as: service)
        let h = try registry.openKey(.currentUser, "", access: .keyRead, as: service)
        #expect(registry.references(toHiveAt: Fixture.userPath).map(\.kind) == [.handle])
        try registry.closeKey(h, as: service)
        #expect(registry.references(toHiveAt: Fixture.userPath).isEmpty)
        try registry.unloadHive(at: Fixture.userPath)
    }

    /// The accounting: handle, access and path per reference; overrides count; a callback when
    /// the last one goes (and at once when there are none).
    @Test func referencesAndTheLastOneGoing() throws {
        let fired = Mutex(0)
        let (a, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Software", access: .keyRead, as: me)
        let (b, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Software", access: .keyAllAccess, as: me)
        try registry.overridePredefinedKey(.localMachine, with: b, as: me)
        let refs = registry.references(toHiveAt: Fixture.userPath)
        #expect(refs.map(\.kind) == [.handle, .handle, .override])
        #expect(refs[0].handle == a && refs[0].access == .keyRead)
        #expect(refs[1].keyPath == Fixture.userPath + "\\Software")
        try registry.whenUnreferenced(hiveAt: Fixture.userPath) { fired.withLock { $0 += 1 } }
        try registry.closeKey(a, as: me)
        try registry.closeKey(b, as: me)
        #expect(fired.withLock { $0 } == 0)
        try registry.overridePredefinedKey(.localMachine, with: nil, as: me)
        #expect(fired.withLock { $0 } == 1)
        try registry.whenUnreferenced(hiveAt: Fixture.userPath) { fired.withLock { $0 += 10 } }
        #expect(fired.withLock { $0 } == 11)
    }

    /// Moving a hive's references onto a copy (the `snapshot` policy): handles keep reading the
    /// values they knew; a key the copy lacks turns deleted; the source can then unload.
    @Test func referencesMoveOntoAnotherHive() throws {
        let (k, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Software\\App", access: .keyAllAccess, as: me)
        try registry.setValue(k, "v", type: .dword, data: [5, 0, 0, 0], as: me)
        let (gone, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Temp", access: .keyAllAccess, as: me)
        try registry.flushAll()
        // The copy: a second mount of a copy of the file, without Temp.
        let copy = dir.appendingPathComponent("snapshot.DAT").path
        try FileManager.default.copyItem(atPath: dir.appendingPathComponent("NTUSER.DAT").path, toPath: copy)
        try registry.mountHive(file: copy, at: "\\REGISTRY\\USER\\Snapshot")
        try registry.deleteKey(.users, "Snapshot\\Temp", as: me)
        try registry.moveReferences(fromHiveAt: Fixture.userPath, toHiveAt: "\\REGISTRY\\USER\\Snapshot")
        #expect(registry.references(toHiveAt: Fixture.userPath).isEmpty)
        #expect(try registry.queryValue(k, "v", as: me).data == [5, 0, 0, 0])
        #expect(throws: Win32Error.keyDeleted) { _ = try self.registry.queryInfoKey(gone, as: self.me) }
        try registry.unloadHive(at: Fixture.userPath)
        #expect(registry.references(toHiveAt: "\\REGISTRY\\USER\\Snapshot").count == 1)
    }

    /// Lazy flush on the injected clock: nothing is written before the delay, everything after;
    /// flushed changes are in the file (a reader sees them without the logs).
    @Test func lazyFlushFollowsTheClock() throws {
        let file = dir.appendingPathComponent("NTUSER.DAT").path
        let (k, _) = try registry.createKey(.users, "S-1-5-21-1000-2000-3000-1001\\Lazy", access: .keyAllAccess, as: me)
        try registry.setValue(k, "v", type: .dword, data: [9, 0, 0, 0], as: me)
        clock.advance(.seconds(4))
        #expect(registry.flushDueHives() == 0)
        // The file as it is on disk (the registry holds its lock, so read the bytes).
        func onDisk() throws -> Hive { try Hive(bytes: FileManager.default.contents(atPath: file)!) }
        #expect(throws: HiveError.self) { try onDisk().key(path: "Lazy") }
        clock.advance(.seconds(1))
        #expect(registry.flushDueHives() == 1)
        #expect(registry.flushDueHives() == 0)
        let hive = try onDisk()
        #expect(try hive.value(of: hive.key(path: "Lazy"), named: "v") != nil)
    }
}
