import HiveFormat
import Locking
import Security

/// The live registry (Windows' configuration manager): a namespace rooted at \REGISTRY with
/// MACHINE and USER, hives mounted in it, per-process handle tables, Win32 error codes, deleted
/// keys and forced unloads as windows-semantics.md §2–3 describe them.
///
/// Thread-safe: one lock around everything (ARCHITECTURE.md "Concurrency"); callbacks run after
/// it is released. Every operation names its caller — the process whose handles are used, and
/// the calling thread's token, against which access is checked.
public final class Registry: Sendable {
    private let core: Locked<RegistryCore>
    /// For hives opened outside the lock (loads).
    private let keyClock: @Sendable () -> FileTime
    /// Called on the thread about to do a hive's file I/O outside the lock (tests hold it there).
    private let ioHook = Locked<(@Sendable (HiveIO) -> Void)?>(nil)

    /// - Parameters:
    ///   - keyClock: time for keys' last-write stamps.
    ///   - clock: a monotonic clock (time since any fixed start), for the lazy flush.
    ///   - lazyFlushDelay: how long a changed hive waits before `flushDueHives` writes it
    ///     (Windows' lazy flush runs about 5 s after a change).
    public init(keyClock: @escaping @Sendable () -> FileTime = { FileTime.now() },
                clock: @escaping @Sendable () -> Duration = Registry.monotonicClock(),
                lazyFlushDelay: Duration = .seconds(5)) {
        core = Locked(RegistryCore(keyClock: keyClock, now: clock, lazyFlushDelay: lazyFlushDelay))
        self.keyClock = keyClock
    }

    /// File I/O the registry does outside its lock, as a test hook sees it.
    enum HiveIO: Sendable, Equatable {
        case load(file: String), save(file: String), flush(hive: String), restore(file: String)
        /// An app hive's load waits for another load of the same file to end (no I/O of its own).
        case waitForLoad(file: String)
    }

    /// Test seam: `hook` runs on the thread that is about to read or write a hive file, with the
    /// registry's lock not held.
    func setIOHook(_ hook: (@Sendable (HiveIO) -> Void)?) {
        ioHook.withLock { $0 = hook }
    }

    private func aboutToDo(_ io: HiveIO) {
        ioHook.withLock { $0 }?(io)
    }

    /// Time since this call, on the continuous clock.
    public static func monotonicClock() -> @Sendable () -> Duration {
        let start = ContinuousClock.now
        return { ContinuousClock.now - start }
    }

    /// Runs `body` under the lock, then the callbacks it queued.
    @inline(__always)
    private func locked<R>(_ body: (RegistryCore) throws(Win32Error) -> R) throws(Win32Error) -> R {
        let (result, callbacks) = core.withLock { c -> (Result<R, Win32Error>, [@Sendable () -> Void]) in
            let r: Result<R, Win32Error>
            do throws(Win32Error) {
                r = .success(try body(c))
            } catch {
                r = .failure(error)
            }
            if c.pendingCallbacks.isEmpty { return (r, []) }
            let pending = c.pendingCallbacks
            c.pendingCallbacks = []
            return (r, pending)
        }
        for callback in callbacks { callback() }
        return try result.get()
    }

    // MARK: Keys

    /// RegOpenKeyEx.
    public func openKey(_ base: KeyHandle, _ path: some RegistryPath, access: AccessMask, options: KeyOptions = [],
                        as caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        try locked { c throws(Win32Error) in try c.openKey(base, path, options: options, access: access, caller) }
    }

    /// RegCreateKeyEx.
    public func createKey(_ base: KeyHandle, _ path: some RegistryPath, className: RegistryName? = nil, options: KeyOptions = [],
                          access: AccessMask, security: SecurityDescriptor? = nil,
                          as caller: RegistryCaller) throws(Win32Error) -> (handle: KeyHandle, disposition: Disposition) {
        try locked { c throws(Win32Error) in
            try c.createKey(base, path, className: className, options: options, access: access, security: security, caller)
        }
    }

    /// RegCloseKey.
    public func closeKey(_ key: KeyHandle, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.closeKey(key, caller) }
    }

    /// RegDeleteKey (`subkey` empty: the key itself).
    public func deleteKey(_ base: KeyHandle, _ subkey: some RegistryPath, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.deleteKey(base, subkey, caller) }
    }

    /// RegDeleteTree (`subkey` nil: the key's values and subkeys, not the key).
    public func deleteTree(_ base: KeyHandle, _ subkey: String?, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.deleteTree(base, subkey, caller) }
    }

    /// RegDeleteTree, the subkey's name as UTF-16 code units.
    public func deleteTree<P: RegistryPath>(_ base: KeyHandle, _ subkey: P?, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.deleteTree(base, subkey, caller) }
    }

    /// RegQueryInfoKey.
    public func queryInfoKey(_ key: KeyHandle, as caller: RegistryCaller) throws(Win32Error) -> KeyInfo {
        try locked { c throws(Win32Error) in try c.queryInfo(key, caller) }
    }

    /// RegEnumKeyEx. With `nameCapacity` (in UTF-16 units, the terminating NUL included, as
    /// Windows counts it), a name that does not fit is ERROR_MORE_DATA.
    public func enumerateKey(_ key: KeyHandle, index: Int, nameCapacity: Int = .max,
                             as caller: RegistryCaller) throws(Win32Error) -> EnumeratedKey {
        let k = try locked { c throws(Win32Error) in try c.enumerateKey(key, index: index, caller) }
        guard k.name.codeUnits.count < nameCapacity else { throw .moreData }
        return k
    }

    /// RegFlushKey: durable when it returns. The changes are copied under the lock and written
    /// outside it (HiveWrites).
    public func flushKey(_ key: KeyHandle, as caller: RegistryCaller) throws(Win32Error) {
        let (m, queued) = try locked { c throws(Win32Error) in try c.prepareFlushKey(key, caller) }
        try write(m, queued)
    }

    /// Writes a flush prepared under the lock, outside it, then finishes it under the lock.
    private func write(_ m: HiveMount, _ queued: QueuedFlush?) throws(Win32Error) {
        guard let queued else { return }
        let result = m.writes.write(until: queued) { aboutToDo(.flush(hive: m.path)) }
        try locked { c throws(Win32Error) in try c.finishFlush(m, queued, result) }
    }

    /// RegRenameKey (`subkey` nil or empty: the key itself).
    public func renameKey(_ key: KeyHandle, _ subkey: String? = nil, to newName: String, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.renameKey(key, subkey, to: newName, caller) }
    }

    /// RegRenameKey, the names as UTF-16 code units.
    public func renameKey<P: RegistryPath>(_ key: KeyHandle, _ subkey: P?, to newName: RegistryName,
                                           as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.renameKey(key, subkey, to: newName, caller) }
    }

    /// RegCopyTree: the values and subkeys of `source` (or of its `subkey`) into `destination`.
    public func copyTree(_ source: KeyHandle, _ subkey: String? = nil, to destination: KeyHandle,
                         as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.copyTree(source, subkey, to: destination, caller) }
    }

    /// RegCopyTree, the subkey's name as UTF-16 code units.
    public func copyTree<P: RegistryPath>(_ source: KeyHandle, _ subkey: P?, to destination: KeyHandle,
                                          as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.copyTree(source, subkey, to: destination, caller) }
    }

    /// RegGetKeySecurity.
    public func keySecurity(_ key: KeyHandle, as caller: RegistryCaller) throws(Win32Error) -> SecurityDescriptor {
        try locked { c throws(Win32Error) in try c.keySecurity(key, caller) }
    }

    /// RegSetKeySecurity (owner and DACL).
    public func setKeySecurity(_ key: KeyHandle, _ descriptor: SecurityDescriptor, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.setKeySecurity(key, descriptor, caller) }
    }

    // MARK: Notifications

    /// RegNotifyChangeKeyValue, asynchronous: `signal` is called once (outside the lock) with
    /// how the wait completed — STATUS_NOTIFY_ENUM_DIR for a change, STATUS_NOTIFY_CLEANUP when
    /// the handle closed, STATUS_CANCELLED when `thread` ended (unless `.threadAgnostic`),
    /// STATUS_KEY_DELETED / STATUS_HIVE_UNLOADED when the key was deleted or its hive
    /// force-unloaded. Register again for the next change.
    public func notifyChangeKeyValue(_ key: KeyHandle, watchSubtree: Bool, filter: NotifyFilter, thread: ThreadID,
                                     as caller: RegistryCaller, _ signal: @escaping @Sendable (NTStatus) -> Void) throws(Win32Error) {
        try locked { c throws(Win32Error) in
            try c.notifyChange(key, subtree: watchSubtree, filter: filter, thread: thread, caller, signal)
        }
    }

    /// A thread of `process` ended: its thread-bound notifications complete.
    public func threadExited(_ process: ProcessID, thread: ThreadID) {
        try? locked { c throws(Win32Error) in c.threadExited(process, thread) }
    }

    // MARK: Values

    /// RegQueryValueEx, as Windows shapes it: `size` comes back as the data's size; with a
    /// `data` buffer too small the call fails with ERROR_MORE_DATA and `size` says what is
    /// needed; without a buffer it only measures. Nothing is allocated.
    public func queryValue(_ key: KeyHandle, _ name: some RegistryPath, type: inout RegistryValueType,
                           data: UnsafeMutableRawBufferPointer?, size: inout Int,
                           as caller: RegistryCaller) throws(Win32Error) {
        let r = try locked { c throws(Win32Error) in
            try withUTF16(name) { u throws(Win32Error) in try c.queryValue(key, u, into: data, caller) }
        }
        type = r.type
        size = r.size
        if data != nil, !r.fits { throw .moreData }
    }

    /// RegQueryValueEx, returning a copy of the value.
    public func queryValue(_ key: KeyHandle, _ name: some RegistryPath, as caller: RegistryCaller) throws(Win32Error) -> RegistryValue {
        var type = RegistryValueType(0), size = 0
        try queryValue(key, name, type: &type, data: nil, size: &size, as: caller)
        while true {
            var bytes = [UInt8](repeating: 0, count: size)
            var got = size
            let outcome: Win32Error? = bytes.withUnsafeMutableBytes { b in
                do throws(Win32Error) {
                    try queryValue(key, name, type: &type, data: b, size: &got, as: caller)
                    return nil
                } catch {
                    return error
                }
            }
            switch outcome {
            case nil:
                bytes.removeSubrange(got...)
                return RegistryValue(name: name.registryName, type: type, data: bytes)
            case .moreData?:
                size = got  // it grew in between: ask again
            case let e?:
                throw e
            }
        }
    }

    /// RegEnumValue, returning a copy of the value.
    public func enumerateValue(_ key: KeyHandle, index: Int, as caller: RegistryCaller) throws(Win32Error) -> RegistryValue {
        try locked { c throws(Win32Error) in try c.enumerateValue(key, index: index, caller) }
    }

    /// RegEnumValue, as Windows shapes it: the name must fit `nameCapacity` (UTF-16 units with
    /// the NUL) and the data `data`, else ERROR_MORE_DATA; `size` comes back as the data's size
    /// either way, so a caller can retry with a buffer that fits.
    public func enumerateValue(_ key: KeyHandle, index: Int, nameCapacity: Int, data: UnsafeMutableRawBufferPointer?,
                               size: inout Int, as caller: RegistryCaller) throws(Win32Error) -> (name: RegistryName, type: RegistryValueType) {
        let v = try locked { c throws(Win32Error) in try c.enumerateValue(key, index: index, caller) }
        size = v.data.count
        guard v.name.codeUnits.count < nameCapacity else { throw .moreData }
        if data != nil, !v.data.withUnsafeBytes({ copy($0, into: data) }) { throw .moreData }
        return (v.name, v.type)
    }

    /// RegSetValueEx.
    public func setValue(_ key: KeyHandle, _ name: some RegistryPath, type: RegistryValueType, data: [UInt8],
                         as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.setValue(key, name.registryName, type: type, data: data, caller) }
    }

    /// RegDeleteValue.
    public func deleteValue(_ key: KeyHandle, _ name: some RegistryPath, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.deleteValue(key, name.registryName, caller) }
    }

    // MARK: Predefined keys

    /// RegOverridePredefKey (nil restores the default mapping).
    public func overridePredefinedKey(_ predefined: KeyHandle, with key: KeyHandle?, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.overridePredefinedKey(predefined, with: key, caller) }
    }

    /// RegDisablePredefinedCache for the caller's process.
    public func disablePredefinedCache(as caller: RegistryCaller) {
        try? locked { c throws(Win32Error) in c.disablePredefinedCache(caller) }
    }

    /// The quotas every caller is held to from now on.
    public func setQuotas(_ quotas: RegistryQuotas) {
        try? locked { c throws(Win32Error) in c.quotas = quotas }
    }

    /// How HKEY_CURRENT_USER binds at a process's first use: `resolver` gets the caller (its
    /// thread's token) and returns the full path of the key to bind (the Profiles layer decides:
    /// HKU\<SID>, or HKU\.DEFAULT when that hive is not loaded).
    public func setCurrentUserResolver(_ resolver: (@Sendable (RegistryCaller) -> String?)?) {
        try? locked { c throws(Win32Error) in c.currentUserResolver = resolver }
    }

    /// Binds HKEY_CURRENT_USER for `process` to the key at `path` now.
    public func bindCurrentUser(of process: ProcessID, to path: String) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.bindCurrentUser(process, to: path) }
    }

    // MARK: Hives

    /// Mounts a hive file (created when missing), or with `file` nil a hive kept in memory, at
    /// `path` (\REGISTRY\MACHINE\NAME or \REGISTRY\USER\NAME). The machine's own set-up: no
    /// privilege check. `system` hives refuse to unload. A hive created here gets `rootSecurity`
    /// on its root (by default SYSTEM and Administrators full control, Users read).
    /// Returns what opening the file did about a dirty hive (logs applied, a log passed over),
    /// for the caller to say; empty for a clean one.
    @discardableResult
    public func mountHive(file: String?, at path: String, system: Bool = false,
                          rootSecurity: SecurityDescriptor? = nil) throws(Win32Error) -> [String] {
        // Checked, then opened outside the lock (reading, recovering and validating the file),
        // then mounted under it: no other hive's reader waits for this file.
        try locked { c throws(Win32Error) in _ = try c.mountPoint(free: path) }
        let editor = try open(file, rootSecurity: rootSecurity?.bytes ?? HiveEditor.defaultRootSecurity, as: nil)
        return try locked { c throws(Win32Error) in
            try c.attach(editor, file: file, at: path, system: system).editor?.openingNotes ?? []
        }
    }

    /// The hive in `file` opened (or created) outside the lock, on this thread with `files`'
    /// rights; an in-memory hive when `file` is nil.
    private func open(_ file: String?, rootSecurity: [UInt8], as files: FileIdentity?) throws(Win32Error) -> HiveEditor {
        if let file { aboutToDo(.load(file: file)) }
        let clock = keyClock
        return try files.perform { () throws(Win32Error) in
            try RegistryCore.openOrCreate(file, rootSecurity: rootSecurity, clock: clock)
        }
    }

    /// Unloads the hive at `path` (flushed first); `force` as NtUnloadKey2(REG_FORCE_UNLOAD).
    public func unloadHive(at path: String, force: Bool = false) throws(Win32Error) {
        try locked { c throws(Win32Error) in
            guard let m = c.mount(at: path) else { throw .invalidParameter }
            try c.unload(m, force: force)
        }
    }

    /// RegLoadKey.
    /// The file is read and validated outside the lock, with the caller's file rights; only the
    /// mount is done under it.
    public func loadKey(_ base: KeyHandle, _ subkey: String, file: String, as caller: RegistryCaller) throws(Win32Error) {
        let path = try locked { c throws(Win32Error) in try c.loadKeyPath(base, subkey, caller) }
        let editor = try open(file, rootSecurity: HiveEditor.defaultRootSecurity, as: caller.files)
        try locked { c throws(Win32Error) in _ = try c.attach(editor, file: file, at: path, system: false, files: caller.files) }
    }

    /// RegLoadAppKey: a handle to the root of the hive in `file` (created when missing), loaded
    /// where no path reaches it and unloaded when its last handle closes.
    /// The file is found and read outside the lock, on this thread with the caller's file rights
    /// (so a caller who could not open it gets no handle to it, even to a hive already loaded
    /// from it); only the mount is done under the lock.
    public func loadAppKey(file: String, access: AccessMask, options: AppKeyOptions = [],
                           as caller: RegistryCaller) throws(Win32Error) -> KeyHandle {
        while true {
            // The file as the caller reaches it, opened for writing with its rights (as a load of
            // its own would): a hive already loaded is the same file (device and inode), whatever
            // path led to it.
            let id = try caller.files.perform { () throws(Win32Error) in
                try FileID.writable(at: file).mapError { win32($0, file: file) }.get()
            }
            let step = try locked { c throws(Win32Error) in
                try c.beginAppHiveLoad(file: file, id: id, access: access, options: options, caller)
            }
            let load: AppHiveLoad
            switch step {
            case let .opened(handle):
                return handle
            case let .wait(other):
                aboutToDo(.waitForLoad(file: file))
                other.waitUntilFinished()
                continue  // loaded now, or failed: look again
            case let .load(claimed):
                load = claimed
            }
            let editor: HiveEditor
            do throws(Win32Error) {
                let security = try RegistryCore.appHiveSecurity(for: caller).bytes  // for a file created now
                editor = try open(file, rootSecurity: security, as: caller.files)
            } catch {
                try? locked { c throws(Win32Error) in c.endAppHiveLoad(load) }
                throw error
            }
            return try locked { c throws(Win32Error) in try c.mountAppHive(editor, load, access: access, options: options, caller) }
        }
    }

    /// RegUnLoadKey; with `force`, NtUnloadKey2(REG_FORCE_UNLOAD).
    public func unloadKey(_ base: KeyHandle, _ subkey: String, force: Bool = false, as caller: RegistryCaller) throws(Win32Error) {
        try locked { c throws(Win32Error) in try c.unloadKey(base, subkey, force: force, caller) }
    }

    /// The full paths of the mounted hives.
    public var loadedHives: [String] {
        (try? locked { c throws(Win32Error) in c.mounts.values.map(\.path).sorted() }) ?? []
    }

    /// Every loaded hive's references, counted by kind (for metrics).
    public func referenceCounts() -> [String: [ReferenceKind: Int]] {
        (try? locked { c throws(Win32Error) in c.referenceCounts() }) ?? [:]
    }

    /// Whether a hive is mounted at `path`.
    public func isHiveLoaded(at path: String) -> Bool {
        (try? locked { c throws(Win32Error) in c.mount(at: path) != nil }) ?? false
    }

    /// Who holds references into the hive mounted at `path` (empty when none, or not loaded).
    public func references(toHiveAt path: String) -> [HiveReference] {
        (try? locked { c throws(Win32Error) in c.mount(at: path).map { c.references(to: $0) } ?? [] }) ?? []
    }

    /// Calls `body` once, when the hive at `path` has no references left (at once if it has
    /// none now). Dropped if the hive is unloaded first.
    public func whenUnreferenced(hiveAt path: String, _ body: @escaping @Sendable () -> Void) throws(Win32Error) {
        try locked { c throws(Win32Error) in
            guard let m = c.mount(at: path) else { throw .invalidParameter }
            m.whenUnreferenced.append(body)
            if m.references == 0 { c.lastReferenceGone(m) }
        }
    }

    /// Makes a detached, read-only, in-memory copy of the hive at `path` as it is now (reachable
    /// by no name; every write through it is ERROR_KEY_DELETED) and returns its path, for
    /// `moveReferences`, `references`, `whenUnreferenced` and `unloadHive`.
    public func snapshotHive(at path: String) throws(Win32Error) -> String {
        try locked { c throws(Win32Error) in
            guard let m = c.mount(at: path) else { throw .invalidParameter }
            return try c.snapshot(of: m).path
        }
    }

    /// Moves every reference into the hive at `source` onto the same keys of the hive at `target`.
    public func moveReferences(fromHiveAt source: String, toHiveAt target: String) throws(Win32Error) {
        try locked { c throws(Win32Error) in
            guard let s = c.mount(at: source), let t = c.mount(at: target) else { throw .invalidParameter }
            try c.moveReferences(from: s, to: t)
        }
    }

    /// Writes the hives whose changes are older than the lazy-flush delay; returns how many.
    @discardableResult
    public func flushDueHives() -> Int {
        let due = (try? locked { c throws(Win32Error) in c.flushDue() }) ?? []
        var flushed = 0
        for (m, queued) in due {
            do throws(Win32Error) {
                try write(m, queued)
                flushed += 1
            } catch {
                continue  // still dirty: the next round retries
            }
        }
        return flushed
    }

    /// RegSaveKey (`format` `.standard`) and RegSaveKeyEx: the key's stored subtree to a new
    /// hive file (SeBackupPrivilege). A consistent snapshot: the saved hive is built in memory
    /// under the lock, then written outside it, on this thread with the caller's file rights.
    public func saveKey(_ key: KeyHandle, file: String, format: SaveFormat = .standard, as caller: RegistryCaller) throws(Win32Error) {
        let image = try locked { c throws(Win32Error) in try c.savedImage(key, format: format, caller) }
        aboutToDo(.save(file: file))
        try caller.files.perform { () throws(Win32Error) in try RegistryCore.writeSaved(image, to: file) }
    }

    /// RegRestoreKey: a saved hive's contents over the key (SeRestorePrivilege); `force` is
    /// REG_FORCE_RESTORE.
    /// The saved hive is read and checked outside the lock, on this thread with the caller's file
    /// rights; the key's tree is replaced under it, in one step (a reader sees the key before or
    /// after, never half restored).
    public func restoreKey(_ key: KeyHandle, file: String, force: Bool = false, as caller: RegistryCaller) throws(Win32Error) {
        // The privilege and the key first (their errors come before any the file could give).
        try locked { c throws(Win32Error) in _ = try c.restoreTarget(key, caller) }
        aboutToDo(.restore(file: file))
        let saved = try caller.files.perform { () throws(Win32Error) in try RegistryCore.readSaved(file) }
        try locked { c throws(Win32Error) in try c.restoreKey(key, from: saved, force: force, caller) }
    }

    /// Writes the hive at `path` now (ERROR_INVALID_PARAMETER when it is not loaded).
    public func flushHive(at path: String) throws(Win32Error) {
        let (m, queued) = try locked { c throws(Win32Error) in
            guard let m = c.mount(at: path) else { throw .invalidParameter }
            return (m, c.prepareFlush(m))
        }
        try write(m, queued)
    }

    /// Writes every changed hive now.
    public func flushAll() throws(Win32Error) {
        let all = (try? locked { c throws(Win32Error) in c.mounts.values.map { ($0, c.prepareFlush($0)) } }) ?? []
        var first: Win32Error?
        for (m, queued) in all {
            do throws(Win32Error) {
                try write(m, queued)
            } catch {
                first = first ?? error
            }
        }
        if let first { throw first }
    }

    // MARK: Processes

    /// A process ended: its handles close and its predefined-key bindings are dropped.
    public func processExited(_ process: ProcessID) {
        try? locked { c throws(Win32Error) in c.processExited(process) }
    }

    /// How many handles `process` has open.
    public func handleCount(of process: ProcessID) -> Int {
        (try? locked { c throws(Win32Error) in c.processes[process]?.handles.count ?? 0 }) ?? 0
    }
}
