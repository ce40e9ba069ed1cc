#if canImport(Glibc)
import Glibc
#endif
import HiveFormat
import Security

/// Everything the registry knows, used only under the `Registry`'s lock: the master namespace,
/// the mounted hives, the processes and their handles. The operations live in the
/// RegistryCore+… files; `Registry` is the thread-safe face.
final class RegistryCore {
    let master: HiveMount
    /// \REGISTRY, \REGISTRY\MACHINE, \REGISTRY\USER.
    let root: VolatileKey
    let machine: VolatileKey
    let users: VolatileKey
    var mounts: [String: HiveMount] = [:]
    var processes: [ProcessID: ProcessEntry] = [:]
    /// Time for key timestamps.
    let keyClock: @Sendable () -> FileTime
    /// The registry's monotonic clock (lazy flush).
    let now: @Sendable () -> Duration
    let lazyFlushDelay: Duration
    /// Applied to every hive that is not the machine's own as it mounts (and at once by
    /// `setQuotas` to those mounted).
    var quotas = RegistryQuotas() {
        didSet { for m in mounts.values { applyQuota(m) } }
    }
    /// How HKEY_CURRENT_USER is bound at a process's first use (the Profiles layer supplies it):
    /// the full path of the key to bind, for the calling thread's security context.
    var currentUserResolver: (@Sendable (RegistryCaller) -> String?)?
    /// Snapshots made so far (their names count up).
    var snapshots = 0
    /// Callbacks to run once the lock is released.
    var pendingCallbacks: [@Sendable () -> Void] = []
    /// Pending change notifications, all keys together (zero: changes report nothing).
    var watcherCount = 0
    /// Loaded application hives (a few: found by their file's device and inode).
    var appHives: [HiveMount] = []
    /// App hive files being read outside the lock, each claimed by the load reading it.
    var appHiveLoads: [AppHiveLoad] = []

    /// The master namespace's descriptor: everyone reads, SYSTEM and Administrators may do
    /// anything (creating below it still needs REG_OPTION_VOLATILE: it is all in memory).
    static let masterSecurity = try! SecurityDescriptor(sddl: "O:BAG:SYD:(A;CI;KR;;;WD)(A;CI;KA;;;SY)(A;CI;KA;;;BA)")

    init(keyClock: @escaping @Sendable () -> FileTime, now: @escaping @Sendable () -> Duration, lazyFlushDelay: Duration) {
        self.keyClock = keyClock
        self.now = now
        self.lazyFlushDelay = lazyFlushDelay
        let t = keyClock()
        root = VolatileKey(name: "REGISTRY", parent: nil, storedParent: nil, className: nil, security: Self.masterSecurity, now: t)
        machine = VolatileKey(name: "MACHINE", parent: root, storedParent: nil, className: nil, security: Self.masterSecurity, now: t)
        users = VolatileKey(name: "USER", parent: root, storedParent: nil, className: nil, security: Self.masterSecurity, now: t)
        root.children.insert(machine.name, .key(machine))
        root.children.insert(users.name, .key(users))
        master = HiveMount(path: "\\REGISTRY", name: "REGISTRY", editor: nil, file: nil, isSystem: true)
    }

    /// The last process served: a run of calls from one process skips the table lookup.
    private var lastProcess: ProcessEntry?

    func process(_ id: ProcessID) -> ProcessEntry {
        if let p = lastProcess, p.id == id { return p }
        if let p = processes[id] {
            lastProcess = p
            return p
        }
        let p = ProcessEntry(id: id)
        processes[id] = p
        lastProcess = p
        return p
    }

    /// The process's entry, if it has one (no entry is made).
    func existingProcess(_ id: ProcessID) -> ProcessEntry? {
        if let p = lastProcess, p.id == id { return p }
        return processes[id]
    }

    func removeProcess(_ id: ProcessID) -> ProcessEntry? {
        if lastProcess?.id == id { lastProcess = nil }
        return processes.removeValue(forKey: id)
    }

    // MARK: Key objects and references

    /// The key object for a position, made when first needed.
    func object(for position: KeyPosition) -> KeyObject {
        switch position {
        case let .stored(m, cell):
            if let o = m.objects[cell] { return o }
            let o = KeyObject(mount: m, cell: cell)
            m.objects[cell] = o
            return o
        case let .volatile(m, node):
            if let o = node.object { return o }
            let o = KeyObject(mount: m, node: node)
            node.object = o
            m.volatileObjects[ObjectIdentifier(o)] = o
            return o
        }
    }

    func retain(_ o: KeyObject) {
        o.references += 1
        if o.isLive { o.mount.references += 1 }
    }

    func release(_ o: KeyObject) {
        o.references -= 1
        guard o.isLive else { return }
        let m = o.mount
        m.references -= 1
        if o.references == 0 { forget(o) }
        if m.references == 0 { lastReferenceGone(m) }
    }

    /// Drops an object from its hive's tables (unreferenced, deleted or unloaded).
    func forget(_ o: KeyObject) {
        if o.node != nil {
            o.mount.volatileObjects[ObjectIdentifier(o)] = nil
        } else if o.mount.objects[o.cell] === o {
            o.mount.objects[o.cell] = nil
        }
    }

    /// Marks `o` deleted (or unloaded): its references stop counting against its hive.
    func kill(_ o: KeyObject, _ state: KeyObject.State) {
        guard o.isLive else { return }
        let m = o.mount
        m.references -= o.references
        forget(o)
        o.state = state
        if !o.watchers.isEmpty { completeWatchers(of: o, state == .deleted ? .keyDeleted : .hiveUnloaded) }
        if o.references > 0, m.references == 0 { lastReferenceGone(m) }
    }

    func lastReferenceGone(_ m: HiveMount) {
        if m.isAppHive, m.state == .loaded {
            unloadAppHive(m)
            return
        }
        guard m.state == .loaded, !m.whenUnreferenced.isEmpty else { return }
        pendingCallbacks += m.whenUnreferenced
        m.whenUnreferenced = []
    }

    // MARK: Paths

    /// The full path of a live key (\REGISTRY\USER\S-1-5-21-…\Software).
    func path(of position: KeyPosition) -> String {
        switch position {
        case let .stored(m, cell):
            var names: [String] = []
            var c = cell
            let rootCell = m.rootCell
            var steps = 0
            while c != rootCell, steps < HiveEditor.maxDepth, let k = try? m.hive.key(at: c) {
                names.append(k.name.description)
                c = k.parentOffset
                steps += 1
            }
            return ([m.path] + names.reversed()).joined(separator: "\\")
        case let .volatile(m, node):
            var names: [String] = []
            var n: VolatileKey? = node
            var last = node
            while let k = n {
                names.append(k.name.description)
                last = k
                n = k.parent
            }
            if let stored = last.storedParent {
                return ([path(of: .stored(m, stored))] + names.reversed()).joined(separator: "\\")
            }
            return "\\" + names.reversed().joined(separator: "\\")
        }
    }

    func path(of o: KeyObject) -> String { o.isLive ? path(of: o.position) : "(deleted key)" }
}

/// Runs a read of hive records, reporting what fails as the registry does: its own errors as
/// they are, hive errors through `win32`.
@inline(__always)
func readingHive<R>(_ body: () throws -> R) throws(Win32Error) -> R {
    do {
        return try body()
    } catch let e as Win32Error {
        throw e
    } catch let e as HiveError {
        throw win32(e)
    } catch {
        throw .registryCorrupt
    }
}

/// Copies `bytes` into `buffer` when they fit; false (nothing copied) when they do not.
@inline(__always)
func copy(_ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer?) -> Bool {
    guard let buffer, bytes.count <= buffer.count else { return false }
    if let src = bytes.baseAddress { buffer.baseAddress!.copyMemory(from: src, byteCount: bytes.count) }
    return true
}

/// A hive error met opening `file` (a load, a restore, an app hive): the code, with the file and
/// the reason (offset, rule) as its detail.
func win32(_ e: HiveError, file: String?) -> Win32Error {
    guard let file else { return win32(e) }
    let reason = e.description
    return Win32Error(win32(e), detail: reason.hasPrefix(file) ? reason : "\(file): \(reason)")
}

/// Hive errors as the registry reports them.
func win32(_ e: HiveError) -> Win32Error {
    switch e {
    case .lockedForWriting, .locked: .sharingViolation
    case let .io(_, _, errno):
        switch errno {
        case ENOENT, ENOTDIR: .fileNotFound
        case EACCES, EPERM: .accessDenied  // the caller's file rights refused it
        case EEXIST: .alreadyExists
        default: .registryIOFailed
        }
    case .quotaExceeded: .notEnoughQuota
    case .notAHive, .unsupportedVersion: .notRegistryFile
    case .refused: .invalidParameter
    case .keyNotFound: .fileNotFound
    default: .registryCorrupt
    }
}
