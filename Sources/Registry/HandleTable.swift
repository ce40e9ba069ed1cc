import Security

/// One process's handles: slots addressed by handle value (multiples of 4, as Windows hands
/// them out; a handle into HKEY_CLASSES_ROOT's merged view has bit 1 set too, as Windows marks
/// them — [WA]'s IS_HKCR); a closed handle's value is the next one given out.
struct HandleTable {
    struct Entry {
        var object: KeyObject
        var access: AccessMask
        /// For a handle opened through HKEY_CLASSES_ROOT: where in the merged view it is.
        var classes: ClassesView? = nil
    }

    private var slots: [Entry?] = []
    private var free: [Int] = []
    private(set) var count = 0

    mutating func insert(_ entry: Entry) -> KeyHandle {
        count += 1
        let mark: UInt32 = entry.classes == nil ? 0 : 2
        if let i = free.popLast() {
            slots[i] = entry
            return KeyHandle(rawValue: UInt32(i + 1) * 4 | mark)
        }
        slots.append(entry)
        return KeyHandle(rawValue: UInt32(slots.count) * 4 | mark)
    }

    /// The slot of an open handle and its entry (a value whose HKCR mark disagrees with the
    /// entry is not that handle).
    @inline(__always) private func lookup(_ h: KeyHandle) -> (Int, Entry)? {
        let v = h.rawValue
        guard v & 1 == 0, v > 3, !h.isPredefined else { return nil }
        let i = Int(v / 4) - 1
        guard i < slots.count, let e = slots[i], (v & 2 != 0) == (e.classes != nil) else { return nil }
        return (i, e)
    }

    @inline(__always) private func index(_ h: KeyHandle) -> Int? { lookup(h)?.0 }

    @inline(__always) subscript(_ h: KeyHandle) -> Entry? { lookup(h)?.1 }

    mutating func repoint(_ h: KeyHandle, to object: KeyObject) {
        guard let i = index(h) else { return }
        slots[i]!.object = object
    }

    mutating func remove(_ h: KeyHandle) -> Entry? {
        guard let (i, e) = lookup(h) else { return nil }
        slots[i] = nil
        free.append(i)
        count -= 1
        return e
    }

    /// Every open handle, in handle order.
    var all: [(KeyHandle, Entry)] {
        slots.enumerated().compactMap { i, e in
            e.map { (KeyHandle(rawValue: UInt32(i + 1) * 4 | ($0.classes == nil ? 0 : 2)), $0) }
        }
    }

    mutating func removeAll() -> [Entry] {
        let entries = slots.compactMap { $0 }
        slots = []
        free = []
        count = 0
        return entries
    }
}

/// A process's registry state: its handles, and what its predefined keys are bound to.
final class ProcessEntry {
    let id: ProcessID
    var handles = HandleTable()
    /// HKEY_CURRENT_USER's per-process cache, bound at first use ([PK]).
    var currentUser: KeyObject?
    /// RegOverridePredefKey: a predefined key mapped to another key (the override's own reference).
    var overrides: [KeyHandle: KeyObject] = [:]
    /// RegDisablePredefinedCache(Ex): HKCU is resolved afresh on each use, holding nothing.
    var predefinedCacheDisabled = false

    init(id: ProcessID) { self.id = id }
}
