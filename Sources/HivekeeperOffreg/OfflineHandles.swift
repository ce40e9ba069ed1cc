import CHivekeeper
import Locking

/// The process's ORHKEYs: numbers (never pointers) handed out once each, so a closed or made-up
/// handle is found missing here — ERROR_INVALID_HANDLE — and never dereferenced.
struct OfflineHandles {
    struct Entry {
        let hive: OfflineHive
        /// The handle ORCreateHive / OROpenHive returned (its root key), closed by ORCloseHive.
        let isHive: Bool
    }

    private var entries: [UInt: Entry] = [:]
    // Not pointer-like, not small: a stray integer or pointer is unlikely to be one.
    private var next: UInt = 0x4F52_0000_0000

    static let table = Locked(OfflineHandles())

    mutating func register(_ hive: OfflineHive, isHive: Bool) -> UInt {
        next += 8
        entries[next] = Entry(hive: hive, isHive: isHive)
        return next
    }

    func entry(_ id: UInt) -> Entry? { entries[id] }

    @discardableResult
    mutating func remove(_ id: UInt) -> Entry? { entries.removeValue(forKey: id) }
}

extension OfflineHandles {
    static func id(_ handle: ORHKEY?) -> UInt { UInt(bitPattern: handle) }

    static func handle(_ id: UInt) -> ORHKEY? { UnsafeMutableRawPointer(bitPattern: id) }

    static func entry(_ handle: ORHKEY?) throws(OfflineError) -> Entry {
        let id = id(handle)
        guard id != 0, let entry = table.withLock({ $0.entry(id) }) else { throw .invalidHandle }
        return entry
    }

    /// Runs `body` under the hive's lock with the key `handle` names.
    static func withKey<R>(_ handle: ORHKEY?,
                           _ body: (inout OfflineHiveState, KeyContext) throws(OfflineError) -> R) throws(OfflineError) -> R {
        let entry = try entry(handle)
        let id = id(handle)
        return try entry.hive.state.withLock { (s: inout OfflineHiveState) throws(OfflineError) -> R in
            let cell = try s.cell(of: id)
            return try body(&s, KeyContext(hive: entry.hive, id: id, cell: cell, isHive: entry.isHive))
        }
    }

    /// A new handle on the key at `cell` of the hive whose state is `s` (called under its lock).
    static func open(_ cell: UInt32, in s: inout OfflineHiveState, of hive: OfflineHive) -> ORHKEY? {
        let id = table.withLock { $0.register(hive, isHive: false) }
        s.keys[id] = KeyPlace(cell: cell)
        return handle(id)
    }

    /// A new hive handle (its root key).
    static func openHive(_ hive: OfflineHive) -> ORHKEY? {
        hive.state.withLock { s in
            let id = table.withLock { $0.register(hive, isHive: true) }
            s.keys[id] = KeyPlace(cell: s.hive.baseBlock.rootCellOffset)
            return handle(id)
        }
    }
}

/// The key a function was called on.
struct KeyContext {
    let hive: OfflineHive
    let id: UInt
    let cell: UInt32
    let isHive: Bool
}
