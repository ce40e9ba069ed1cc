import Foundation
import HiveFormat
import Registry
import Security
import Testing

/// RegNotifyChangeKeyValue (windows-semantics.md §4; docs/live-registry.md "Notifications").
final class NotificationTests {
    let dir: URL
    let registry: Registry
    let me = Fixture.system()
    let thread = ThreadID(1)
    let base = Fixture.userSID.description + "\\Software\\Watched"

    init() throws {
        dir = try Fixture.tempDir()
        registry = try Fixture.registry(in: dir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// What the waits saw, in order.
    final class Signals: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [NTStatus] = []
        func record(_ s: NTStatus) { lock.withLock { seen.append(s) } }
        var all: [NTStatus] { lock.withLock { seen } }
    }

    private func watch(_ key: KeyHandle, subtree: Bool = false, _ filter: NotifyFilter, thread: ThreadID? = nil) throws -> Signals {
        let s = Signals()
        try registry.notifyChangeKeyValue(key, watchSubtree: subtree, filter: filter, thread: thread ?? self.thread, as: me) { s.record($0) }
        return s
    }

    /// [WN] test_notify: creating a subkey signals the NAME watcher and one with filter 0; a
    /// registration fires once; a value set is LAST_SET, not NAME.
    @Test func filtersAndOneShot() throws {
        let (key, _) = try registry.createKey(.users, base, access: .keyAllAccess, as: me)
        let name = try watch(key, .name), any = try watch(key, []), values = try watch(key, .lastSet)
        _ = try registry.createKey(key, "child", access: .keyRead, as: me)
        #expect(name.all == [.notifyEnumDir] && any.all == [.notifyEnumDir] && values.all.isEmpty)
        try registry.setValue(key, "v", type: .dword, data: [1, 0, 0, 0], as: me)
        #expect(values.all == [.notifyEnumDir])
        #expect(name.all.count == 1)  // one change per registration: register again for more
        let again = try watch(key, .name)
        try registry.deleteKey(key, "child", as: me)  // deleting a child is a NAME change too
        #expect(again.all == [.notifyEnumDir])
        let renamed = try watch(key, .name)
        _ = try registry.createKey(key, "a", access: .keyRead, as: me)
        let renamed2 = try watch(key, .name)
        try registry.renameKey(key, "a", to: "b", as: me)
        #expect(renamed.all.count == 1 && renamed2.all == [.notifyEnumDir])
        // Security changes reach SECURITY (and ATTRIBUTES) watchers.
        let security = try watch(key, .security), attributes = try watch(key, .attributes)
        try registry.setKeySecurity(key, try registry.keySecurity(key, as: me), as: me)
        #expect(security.all == [.notifyEnumDir] && attributes.all == [.notifyEnumDir])
        // KEY_NOTIFY is needed; a predefined key is not a handle one can wait on here.
        let noNotify = try registry.openKey(key, "", access: .queryValue, as: me)
        #expect(throws: Win32Error.accessDenied) { _ = try self.watch(noNotify, .name) }
    }

    /// [WN]: a subtree registration sees grandchildren's creation and value sets; without
    /// subtree, value sets below are not reported. Changes are seen across the hive's mount
    /// point (a watch on HKEY_USERS\<SID>'s parent chain works the same).
    @Test func subtree() throws {
        let (key, _) = try registry.createKey(.users, base + "\\a\\b", access: .keyAllAccess, as: me)
        let top = try registry.openKey(.users, base, access: .keyRead, as: me)
        let deep = try watch(top, subtree: true, [.name, .lastSet]), shallow = try watch(top, .lastSet)
        try registry.setValue(key, "v", type: .dword, data: [1, 0, 0, 0], as: me)
        #expect(deep.all == [.notifyEnumDir] && shallow.all.isEmpty)
        let root = try registry.openKey(.users, Fixture.userSID.description, access: .keyRead, as: me)
        let fromRoot = try watch(root, subtree: true, .name)
        _ = try registry.createKey(key, "c", access: .keyRead, as: me)
        #expect(fromRoot.all == [.notifyEnumDir])
    }

    /// Closing the handle completes its wait (STATUS_NOTIFY_CLEANUP, [D], [WN]); the thread's end
    /// completes a thread-bound wait and not a thread-agnostic one ([D], [WA]); a process's end
    /// closes its handles.
    @Test func closeAndThreadEnd() throws {
        let (key, _) = try registry.createKey(.users, base, access: .keyAllAccess, as: me)
        let other = try registry.openKey(key, "", access: .keyRead, as: me)
        let closed = try watch(other, .name), bound = try watch(key, .name, thread: ThreadID(7))
        let agnostic = try watch(key, [.name, .threadAgnostic], thread: ThreadID(7))
        try registry.closeKey(other, as: me)
        #expect(closed.all == [.notifyCleanup] && bound.all.isEmpty)
        registry.threadExited(me.process, thread: ThreadID(7))
        #expect(bound.all == [.cancelled] && agnostic.all.isEmpty)
        registry.processExited(me.process)
        #expect(agnostic.all == [.notifyCleanup])
    }

    /// Our choice for what §4 leaves open: a wait on a key that is deleted completes with
    /// STATUS_KEY_DELETED, on a key whose hive is force-unloaded with STATUS_HIVE_UNLOADED (both
    /// ERROR_KEY_DELETED to Win32); a new registration on the dead handle is ERROR_KEY_DELETED.
    /// A pending wait is listed among the hive's references.
    @Test func deletedAndUnloaded() throws {
        let (key, _) = try registry.createKey(.users, base + "\\gone", access: .keyAllAccess, as: me)
        let (stays, _) = try registry.createKey(.users, base + "\\stays", access: .keyAllAccess, as: me)
        let deleted = try watch(key, .lastSet), unloaded = try watch(stays, .lastSet)
        #expect(registry.references(toHiveAt: Fixture.userPath).filter { $0.kind == .notification }.count == 2)
        try registry.deleteKey(key, "", as: me)
        #expect(deleted.all == [.keyDeleted])
        #expect(throws: Win32Error.keyDeleted) { _ = try self.watch(key, .name) }
        try registry.unloadHive(at: Fixture.userPath, force: true)
        #expect(unloaded.all == [.hiveUnloaded])
        #expect(NTStatus.hiveUnloaded.win32 == .keyDeleted && NTStatus.keyDeleted.win32 == .keyDeleted)
    }
}
