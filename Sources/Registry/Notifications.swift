import HiveFormat
import Security

extension NotifyFilter {
    /// The change kinds, without the thread flag.
    var changes: NotifyFilter { intersection([.name, .attributes, .lastSet, .security]) }
}

/// One pending RegNotifyChangeKeyValue: fires once (the caller registers again for more), with
/// the status its wait completes with, through `signal` — outside the registry's lock.
final class Watcher {
    let process: ProcessID
    let handle: KeyHandle
    let object: KeyObject
    let subtree: Bool
    let filter: NotifyFilter
    /// The registering thread; nil when thread-agnostic.
    let thread: ThreadID?
    let signal: @Sendable (NTStatus) -> Void

    init(process: ProcessID, handle: KeyHandle, object: KeyObject, subtree: Bool, filter: NotifyFilter,
         thread: ThreadID?, signal: @escaping @Sendable (NTStatus) -> Void) {
        self.process = process
        self.handle = handle
        self.object = object
        self.subtree = subtree
        self.filter = filter
        self.thread = thread
        self.signal = signal
    }

    /// Whether a change of kind `change` concerns this registration. A filter naming no change
    /// kind watches every kind ([WN] test_notify: a registration with filter 0 sees a subkey made).
    func wants(_ change: NotifyFilter) -> Bool {
        filter.changes.isEmpty || !filter.changes.isDisjoint(with: change)
    }
}

/// Change notifications (windows-semantics.md §4; docs/live-registry.md "Notifications").
extension RegistryCore {
    /// RegNotifyChangeKeyValue, asynchronous: needs KEY_NOTIFY; a deleted key is
    /// ERROR_KEY_DELETED. `thread` is the registering thread (ignored with
    /// `.threadAgnostic`).
    func notifyChange(_ handle: KeyHandle, subtree: Bool, filter: NotifyFilter, thread: ThreadID,
                      _ caller: RegistryCaller, _ signal: @escaping @Sendable (NTStatus) -> Void) throws(Win32Error) {
        guard !handle.isPredefined else { throw .invalidHandle }
        let t = try target(handle, requiring: .notify, caller)
        guard let o = t.object else { throw .invalidHandle }
        let w = Watcher(process: caller.process, handle: handle, object: o, subtree: subtree, filter: filter,
                        thread: filter.contains(.threadAgnostic) ? nil : thread, signal: signal)
        o.watchers.append(w)
        watcherCount += 1
    }

    /// Reports a change of kind `change` at `position`: registrations on the key itself, and
    /// subtree registrations on any key above it (across the mount point into the master
    /// namespace), fire. Free when nothing is registered.
    func changed(_ position: KeyPosition, _ change: NotifyFilter) {
        guard watcherCount > 0 else { return }
        var fired: [Watcher] = []
        var at: KeyPosition? = position
        var itself = true
        var steps = 0
        while let p = at, steps <= HiveEditor.maxDepth + 8 {
            if let o = existingObject(p), !o.watchers.isEmpty {
                for w in o.watchers where (itself || w.subtree) && w.wants(change) { fired.append(w) }
            }
            itself = false
            at = parent(of: p)
            steps += 1
        }
        for w in fired { complete(w, .notifyEnumDir) }
    }

    /// Completes every registration on `o` with `status` (its key deleted, its hive unloaded).
    func completeWatchers(of o: KeyObject, _ status: NTStatus) {
        for w in o.watchers { complete(w, status) }
    }

    /// A handle closed: its registrations complete with STATUS_NOTIFY_CLEANUP ([D], [WN]).
    func completeWatchers(of o: KeyObject, process: ProcessID, handle: KeyHandle) {
        guard !o.watchers.isEmpty else { return }
        for w in o.watchers where w.process == process && w.handle == handle { complete(w, .notifyCleanup) }
    }

    /// A thread ended: what it registered without REG_NOTIFY_THREAD_AGNOSTIC completes ([D], [WA]).
    func threadExited(_ process: ProcessID, _ thread: ThreadID) {
        guard watcherCount > 0, let p = existingProcess(process) else { return }
        for (_, e) in p.handles.all {
            for w in e.object.watchers where w.process == process && w.thread == thread { complete(w, .cancelled) }
        }
    }

    /// Takes a registration out and queues its signal.
    private func complete(_ w: Watcher, _ status: NTStatus) {
        guard let i = w.object.watchers.firstIndex(where: { $0 === w }) else { return }
        w.object.watchers.remove(at: i)
        watcherCount -= 1
        let signal = w.signal
        pendingCallbacks.append { signal(status) }
    }

    /// The object of a key, when something refers to it.
    func existingObject(_ p: KeyPosition) -> KeyObject? {
        switch p {
        case let .stored(m, cell): m.objects[cell]
        case let .volatile(_, node): node.object
        }
    }

    /// The key above `p`: a stored parent, a volatile one, or — from a hive's root — the master
    /// namespace key the hive hangs from; nil at \REGISTRY and at a detached hive's root.
    func parent(of p: KeyPosition) -> KeyPosition? {
        switch p {
        case let .stored(m, cell):
            if cell == m.rootCell {
                return m.attachedTo.map { .volatile(master, $0) }
            }
            guard let k = try? m.hive.key(at: cell) else { return nil }
            return .stored(m, k.parentOffset)
        case let .volatile(m, node):
            if let parent = node.parent { return .volatile(m, parent) }
            if let stored = node.storedParent { return .stored(m, stored) }
            return nil
        }
    }
}
