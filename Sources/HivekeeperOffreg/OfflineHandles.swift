import CHivekeeper
import Locking

/// The process's ORHKEYs: numbers (never pointers) naming a slot of this table and the slot's
/// generation, so a closed or made-up handle is found missing here — ERROR_INVALID_HANDLE — and
/// never dereferenced, and a slot used again does not answer to its old handles. Slots are
/// arrays, not dictionaries: a walk makes millions of calls, each looking its handle up.
struct OfflineHandles {
    struct Slot {
        var hive: OfflineHive?
        /// The key's place in its hive (`OfflineHiveState.places`) and that place's serial.
        var place: Int32 = 0
        var serial: UInt32 = 0
        var generation: UInt32 = 0
        /// The handle ORCreateHive / OROpenHive returned (its root key), closed by ORCloseHive.
        var isHive = false
    }

    private var slots: [Slot] = []
    private var free: [Int] = []

    static let table = Locked(OfflineHandles())

    /// A new handle for the key at `place` (of serial `serial`) of `hive`.
    mutating func register(_ hive: OfflineHive, place: Int, serial: UInt32, isHive: Bool) -> UInt {
        let index: Int
        if let reused = free.popLast() { index = reused } else { index = slots.count; slots.append(Slot()) }
        slots[index].hive = hive
        slots[index].place = Int32(place)
        slots[index].serial = serial
        slots[index].isHive = isHive
        return Self.id(index: index, generation: slots[index].generation)
    }

    func slot(_ id: UInt) -> Slot? {
        let index = Int(truncatingIfNeeded: id & 0xFFFF_FFFF) - 1
        guard index >= 0, index < slots.count, Self.tag(slots[index].generation) == UInt32(truncatingIfNeeded: id >> 32),
              slots[index].hive != nil else { return nil }
        return slots[index]
    }

    /// Frees the handle's slot (its generation moves on, so the old handle stops working).
    @discardableResult
    mutating func remove(_ id: UInt) -> Slot? {
        guard let slot = slot(id) else { return nil }
        let index = Int(id & 0xFFFF_FFFF) - 1
        slots[index].hive = nil
        slots[index].generation &+= 1
        free.append(index)
        return slot
    }

    /// Frees every handle of `hive` (ORCloseHive).
    mutating func removeAll(of hive: OfflineHive) {
        for index in slots.indices where slots[index].hive === hive {
            slots[index].hive = nil
            slots[index].generation &+= 1
            free.append(index)
        }
    }

    // Nonzero, and a tag in the high half (the generation's low 16 bits under a constant): a
    // small stray integer or a pointer is not a handle.
    private static func id(index: Int, generation: UInt32) -> UInt {
        UInt(index + 1) | UInt(tag(generation)) << 32
    }

    private static func tag(_ generation: UInt32) -> UInt32 { (generation & 0xFFFF) | 0x4F52_0000 }
}

extension OfflineHandles {
    static func id(_ handle: ORHKEY?) -> UInt { UInt(bitPattern: handle) }

    static func handle(_ id: UInt) -> ORHKEY? { UnsafeMutableRawPointer(bitPattern: id) }

    static func slot(_ handle: ORHKEY?) throws(OfflineError) -> Slot {
        let id = id(handle)
        guard let slot = table.withLock({ $0.slot(id) }) else { throw .invalidHandle }
        return slot
    }

    /// Runs `body` under the hive's lock with the key `handle` names.
    @inline(__always)
    static func withKey<R>(_ handle: ORHKEY?,
                           _ body: (inout OfflineHiveState, KeyContext) throws(OfflineError) -> R) throws(OfflineError) -> R {
        let slot = try slot(handle)
        guard let hive = slot.hive else { throw .invalidHandle }
        return try hive.state.withLock { (s: inout OfflineHiveState) throws(OfflineError) -> R in
            let cell = try s.cell(at: Int(slot.place), serial: slot.serial)
            return try body(&s, KeyContext(hive: hive, id: id(handle), cell: cell, isHive: slot.isHive))
        }
    }

    /// A new handle on the key at `cell` of the hive whose state is `s` (called under its lock).
    static func open(_ cell: UInt32, in s: inout OfflineHiveState, of hive: OfflineHive, isHive: Bool = false) -> ORHKEY? {
        let (place, serial) = s.addPlace(cell)
        let id = table.withLock { $0.register(hive, place: place, serial: serial, isHive: isHive) }
        return handle(id)
    }

    /// A new hive handle (its root key).
    static func openHive(_ hive: OfflineHive) -> ORHKEY? {
        hive.state.withLock { s in open(s.hive.baseBlock.rootCellOffset, in: &s, of: hive, isHive: true) }
    }

    /// Closes a key handle (not a hive's: ERROR_INVALID_PARAMETER).
    static func close(_ handle: ORHKEY?) throws(OfflineError) {
        let id = id(handle)
        let slot = try table.withLock { (t: inout OfflineHandles) throws(OfflineError) -> Slot in
            guard let slot = t.slot(id) else { throw .invalidHandle }
            guard !slot.isHive else { throw .invalidParameter }
            t.remove(id)
            return slot
        }
        slot.hive?.state.withLock { $0.removePlace(Int(slot.place), serial: slot.serial) }
    }
}

/// The key a function was called on.
struct KeyContext {
    // The handle's slot, copied in `withKey`, holds the hive for as long as the context lives.
    unowned(unsafe) let hive: OfflineHive
    let id: UInt
    let cell: UInt32
    let isHive: Bool
}
