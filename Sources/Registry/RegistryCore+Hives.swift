#if canImport(Glibc)
import Glibc
#endif
import HiveFormat
import Security

/// Mounting and unloading hives, forced unloads, reference accounting, moving references,
/// flushing (explicit and lazy), and a process's end.
extension RegistryCore {
    /// Mounts a hive at `path` (\REGISTRY\MACHINE\X or \REGISTRY\USER\X): the file, created
    /// when missing, or with no file a hive kept in memory only. No privilege check: this is
    /// the machine's own set-up (the profile service, the daemon); `loadKey` is the API's door.
    /// `files`: whose rights the file is opened (or created) with, now and at every later flush.
    /// (The Registry's doors open the file outside the lock and call `attach`; this does both,
    /// under it, for set-up code that holds the core already.)
    func mount(file: String?, at path: String, system: Bool, rootSecurity: SecurityDescriptor? = nil,
               files: FileIdentity? = nil) throws(Win32Error) -> HiveMount {
        _ = try mountPoint(free: path)
        let security = rootSecurity?.bytes ?? HiveEditor.defaultRootSecurity
        let clock = keyClock
        let editor = try files.perform { () throws(Win32Error) in try Self.openOrCreate(file, rootSecurity: security, clock: clock) }
        return try attach(editor, file: file, at: path, system: system, files: files)
    }

    /// Where a hive at `path` would mount, when nothing is mounted there (ERROR_ALREADY_EXISTS).
    func mountPoint(free path: String) throws(Win32Error) -> (VolatileKey, RegistryName) {
        let (parent, nameUnits) = try mountPoint(path)
        let taken = nameUnits.codeUnits.withUnsafeBufferPointer { parent.children.find($0) != nil }
        guard !taken else { throw .alreadyExists }
        return (parent, nameUnits)
    }

    /// Mounts an editor opened outside the lock at `path`; when the place was taken meanwhile,
    /// the editor is closed (its file lock released) and the error thrown.
    func attach(_ editor: HiveEditor, file: String?, at path: String, system: Bool,
                files: FileIdentity? = nil) throws(Win32Error) -> HiveMount {
        let parent: VolatileKey, nameUnits: RegistryName
        do throws(Win32Error) {
            (parent, nameUnits) = try mountPoint(free: path)
        } catch {
            editor.close()
            throw error
        }
        let m = HiveMount(path: self.path(of: .volatile(master, parent)) + "\\" + nameUnits.description, name: nameUnits,
                          editor: editor, file: file, isSystem: system)
        m.fileIdentity = files
        m.attachedTo = parent
        parent.children.insert(nameUnits, .mount(m))
        mounts[m.path.uppercased()] = m
        applyQuota(m)
        return m
    }

    /// The size quota for `m`: none for the machine's own hives.
    func applyQuota(_ m: HiveMount) {
        m.editor?.binsQuota = m.isSystem ? 0x8000_0000 : UInt32(clamping: quotas.hiveBytes)
    }

    /// The hive in `file`, opened for writing, or created (with empty logs) when missing; with no
    /// file, a hive in memory. Touches nothing of the registry's: the doors call it outside the lock.
    static func openOrCreate(_ file: String?, rootSecurity: [UInt8], clock: @escaping () -> FileTime) throws(Win32Error) -> HiveEditor {
        do {
            if let file, access(file, F_OK) == 0 {
                return try HiveEditor.open(path: file, clock: clock)
            }
            return try HiveEditor.create(path: file, rootSecurity: rootSecurity, clock: clock)
        } catch {
            throw win32(error, file: file)
        }
    }

    /// The master key a hive mounts under (MACHINE or USER) and the hive's name.
    private func mountPoint(_ path: String) throws(Win32Error) -> (VolatileKey, RegistryName) {
        let parts = path.split(separator: "\\", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[0].uppercased() == "REGISTRY" else { throw .invalidParameter }
        let parent: VolatileKey
        switch parts[1].uppercased() {
        case "MACHINE": parent = machine
        case "USER": parent = users
        default: throw .invalidParameter
        }
        let name = RegistryName(parts[2])
        guard name.codeUnits.count <= HiveEditor.maxKeyNameLength else { throw .invalidParameter }
        return (parent, name)
    }

    /// RegLoadKey(HKLM | HKU, subkey, file): needs SeBackupPrivilege and SeRestorePrivilege
    /// ([D-RegLoadKeyW]); an empty or nested subkey is ERROR_INVALID_PARAMETER ([WA]).
    /// Returns the path to mount at, once it is free (the Registry opens the file outside the
    /// lock, then `attach`es it).
    func loadKeyPath(_ base: KeyHandle, _ subkey: String, _ caller: RegistryCaller) throws(Win32Error) -> String {
        let rootName = try loadRoot(base)
        try requireBackupRestore(caller)
        guard !subkey.isEmpty, !subkey.contains("\\") else { throw .invalidParameter }
        let path = "\\REGISTRY\\\(rootName)\\\(subkey)"
        _ = try mountPoint(free: path)
        return path
    }

    /// RegUnLoadKey / NtUnloadKey2: needs both privileges; refused with ERROR_ACCESS_DENIED while
    /// anything refers into the hive unless `force`, which turns every reference into a deleted
    /// one (windows-semantics.md §3.2). The hive is flushed first; a hive that is not loaded is
    /// ERROR_INVALID_PARAMETER ([RL]); a system hive cannot be unloaded.
    func unloadKey(_ base: KeyHandle, _ subkey: String, force: Bool, _ caller: RegistryCaller) throws(Win32Error) {
        let rootName = try loadRoot(base)
        try requireBackupRestore(caller)
        guard let m = mounts["\\REGISTRY\\\(rootName)\\\(subkey)".uppercased()] else { throw .invalidParameter }
        try unload(m, force: force)
    }

    func unload(_ m: HiveMount, force: Bool) throws(Win32Error) {
        guard !m.isSystem else { throw .accessDenied }
        guard m.references == 0 || force else { throw .accessDenied }
        try flush(m)
        m.whenUnreferenced = []  // the hive goes: its callbacks are dropped, not fired by the kills
        for o in Array(m.objects.values) + Array(m.volatileObjects.values) { kill(o, .hiveUnloaded) }
        detach(m)
    }

    /// Takes the hive out of the namespace, closes its file and frees its image.
    func detach(_ m: HiveMount) {
        m.attachedTo?.children.remove(m.name)
        mounts[m.path.uppercased()] = nil
        m.state = .unloaded
        m.whenUnreferenced = []
        m.volatileChildren = [:]
        m.descriptors = [:]
        m.editor?.close()
        m.editor = nil
    }

    private func loadRoot(_ base: KeyHandle) throws(Win32Error) -> String {
        switch base {
        case .localMachine: "MACHINE"
        case .users: "USER"
        default: throw .invalidParameter
        }
    }

    private func requireBackupRestore(_ caller: RegistryCaller) throws(Win32Error) {
        guard caller.token.isEnabled(.backup), caller.token.isEnabled(.restore) else { throw .privilegeNotHeld }
    }

    /// A detached, read-only copy of a hive as it is now, kept in memory and reachable by no
    /// name: the `snapshot` policy moves leaked references onto it. Returns its path (for
    /// references, callbacks and unloading), "<hive path> (snapshot N)".
    func snapshot(of m: HiveMount) throws(Win32Error) -> HiveMount {
        guard let editor = m.editor else { throw .invalidParameter }
        let copy: HiveEditor
        do {
            copy = try HiveEditor.inMemoryCopy(of: editor.hive, clock: keyClock)
        } catch {
            throw win32(error)
        }
        snapshots += 1
        let s = HiveMount(path: "\(m.path) (snapshot \(snapshots))", name: m.name, editor: copy, file: nil, isSystem: false)
        s.isReadOnly = true
        mounts[s.path.uppercased()] = s
        return s
    }

    // MARK: References

    func mount(at path: String) -> HiveMount? { mounts[path.uppercased()] }

    /// Everyone's references into the hive mounted at `path`.
    func references(to m: HiveMount) -> [HiveReference] {
        var out: [HiveReference] = []
        for p in processes.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            for (h, e) in p.handles.all where e.object.isLive && e.object.mount === m {
                let kind: ReferenceKind = m.isAppHive ? .appKey : .handle
                out.append(HiveReference(process: p.id, handle: h, keyPath: path(of: e.object), access: e.access, kind: kind))
                for w in e.object.watchers where w.process == p.id && w.handle == h {
                    out.append(HiveReference(process: p.id, handle: h, keyPath: path(of: e.object), access: e.access,
                                             kind: .notification))
                }
            }
            if let o = p.currentUser, o.isLive, o.mount === m {
                out.append(HiveReference(process: p.id, handle: nil, keyPath: path(of: o), access: .keyAllAccess, kind: .predefinedCache))
            }
            for (_, o) in p.overrides where o.isLive && o.mount === m {
                out.append(HiveReference(process: p.id, handle: nil, keyPath: path(of: o), access: .keyAllAccess, kind: .override))
            }
        }
        return out
    }

    /// How many references of each kind every loaded hive has, by the hive's path: what the
    /// daemon's metrics sample, counted without building the key paths a leak report shows.
    func referenceCounts() -> [String: [ReferenceKind: Int]] {
        var byMount: [ObjectIdentifier: [ReferenceKind: Int]] = [:]
        func count(_ o: KeyObject, _ kind: ReferenceKind) {
            guard o.isLive else { return }
            byMount[ObjectIdentifier(o.mount), default: [:]][kind, default: 0] += 1
        }
        for p in processes.values {
            for (h, e) in p.handles.all {
                count(e.object, e.object.mount.isAppHive ? .appKey : .handle)
                for w in e.object.watchers where w.process == p.id && w.handle == h { count(e.object, .notification) }
            }
            if let o = p.currentUser { count(o, .predefinedCache) }
            for (_, o) in p.overrides { count(o, .override) }
        }
        var out: [String: [ReferenceKind: Int]] = [:]
        for m in mounts.values { out[m.path] = byMount[ObjectIdentifier(m)] ?? [:] }
        return out
    }

    /// Moves every live reference into `source` onto the key at the same path in `target`
    /// (the `snapshot` policy: leaked handles go on reading a copy). A key the target lacks
    /// turns deleted; volatile keys cannot move and turn unloaded.
    func moveReferences(from source: HiveMount, to target: HiveMount) throws(Win32Error) {
        guard source !== target, source.editor != nil, target.editor != nil else { throw .invalidParameter }
        var replaced: [ObjectIdentifier: KeyObject] = [:]
        for o in Array(source.objects.values) {
            let names = relativeNames(o.cell, in: source)
            var position: KeyPosition? = .stored(target, target.rootCell)
            for n in names {
                guard let p = position else { break }
                position = try n.codeUnits.withUnsafeBufferPointer { u throws(Win32Error) in try child(of: p, named: u) }
            }
            guard case let .stored(_, cell)? = position else {
                kill(o, .deleted)
                continue
            }
            source.references -= o.references
            source.objects[o.cell] = nil
            if let existing = target.objects[cell] {
                replaced[ObjectIdentifier(o)] = existing  // one object per key: handles move to it
                existing.references += o.references
            } else {
                o.mount = target
                o.cell = cell
                target.objects[cell] = o
            }
            target.references += o.references
        }
        for o in Array(source.volatileObjects.values) { kill(o, .hiveUnloaded) }
        if !replaced.isEmpty {
            for p in processes.values {
                p.handles.replaceObjects(replaced)
                if let o = p.currentUser, let r = replaced[ObjectIdentifier(o)] { p.currentUser = r }
                for (k, o) in p.overrides { if let r = replaced[ObjectIdentifier(o)] { p.overrides[k] = r } }
            }
        }
        if source.references == 0 { lastReferenceGone(source) }
    }

    /// A stored key's names from its hive's root down.
    private func relativeNames(_ cell: UInt32, in m: HiveMount) -> [RegistryName] {
        var names: [RegistryName] = []
        var c = cell
        var steps = 0
        while c != m.rootCell, steps < HiveEditor.maxDepth, let k = try? m.hive.key(at: c) {
            names.append(k.name)
            c = k.parentOffset
            steps += 1
        }
        return names.reversed()
    }

    // MARK: Flushing

    func markDirty(_ m: HiveMount) {
        if m.dirtySince == nil, m.editor?.isFileBacked == true { m.dirtySince = now() }
    }

    /// Flushes `m` with this lock held throughout (an unload, an app hive's last close, a
    /// restore): prepared, then written through the hive's queue (after any flush of it still
    /// being written outside the lock), then finished.
    func flush(_ m: HiveMount) throws(Win32Error) {
        guard let queued = prepareFlush(m) else { return }
        try finishFlush(m, queued, m.writes.write(until: queued))
    }

    /// The in-memory half of a flush of `m`, queued for writing (nil: nothing to write).
    func prepareFlush(_ m: HiveMount) -> QueuedFlush? {
        guard let editor = m.editor else { return nil }
        m.dirtySince = nil
        guard let pending = editor.prepareFlush() else { return nil }
        return m.writes.enqueue(pending, as: m.fileIdentity)
    }

    /// After the write: a failed flush's pages are dirty again (a later flush retries them).
    func finishFlush(_ m: HiveMount, _ queued: QueuedFlush, _ result: Result<FlushStatistics, Win32Error>) throws(Win32Error) {
        guard case let .failure(error) = result else { return }
        if m.state == .loaded, let editor = m.editor {
            editor.flushFailed(queued.pending)
            markDirty(m)
        }
        throw error
    }

    /// Flushes the hives that changed at least `lazyFlushDelay` ago (Windows' lazy flush);
    /// returns how many were written, and the first error.
    func flushDue() -> [(HiveMount, QueuedFlush?)] {
        let t = now()
        var due: [(HiveMount, QueuedFlush?)] = []
        for m in mounts.values {
            guard let since = m.dirtySince, t - since >= lazyFlushDelay else { continue }
            due.append((m, prepareFlush(m)))
        }
        return due
    }

    // MARK: Processes

    /// A process ended: its handles close and its predefined-key bindings go.
    func processExited(_ id: ProcessID) {
        guard let p = removeProcess(id) else { return }
        for (h, e) in p.handles.all { completeWatchers(of: e.object, process: id, handle: h) }
        for e in p.handles.removeAll() { release(e.object) }
        if let o = p.currentUser { release(o) }
        for o in p.overrides.values { release(o) }
    }
}

extension HandleTable {
    /// Points handles at replacement objects (after references moved between hives).
    mutating func replaceObjects(_ replaced: [ObjectIdentifier: KeyObject]) {
        for (h, e) in all {
            if let r = replaced[ObjectIdentifier(e.object)] { repoint(h, to: r) }
        }
    }
}
