import HiveFormat
import Locking

/// One open offline hive: read from its file (or made empty) and edited in memory, saved only by
/// ORSaveHive. Everything in it is behind one lock, since `Hive` is not thread-safe (its bin
/// index fills lazily).
final class OfflineHive: Sendable {
    let state: Locked<OfflineHiveState>

    init(reading hive: Hive) { state = Locked(OfflineHiveState(reader: hive, editor: nil)) }
    init(editing editor: HiveEditor) { state = Locked(OfflineHiveState(reader: editor.hive, editor: editor)) }
}

/// Where an open key handle points: its nk cell (which moves when a rename needs a bigger
/// cell), or nothing once the key is deleted (ORDeleteKey: only ORCloseKey works on it then).
/// `serial` tells a place used again from its former use.
struct KeyPlace {
    var cell: UInt32
    var deleted = false
    var inUse = true
    var serial: UInt32
}

struct OfflineHiveState {
    /// The hive as opened (a mapping of the file, or the recovered image). Reads use it until
    /// the first change, which copies it into `editor`; cell offsets stay the same.
    var reader: Hive
    var editor: HiveEditor?
    /// The places of this hive's open handles (the hive's own handle is its root key).
    var places: [KeyPlace] = []
    var freePlaces: [Int] = []
    var serials: UInt32 = 0
    var closed = false

    var hive: Hive { editor?.hive ?? reader }

    /// The editor, made at the first change: the hive is read through once first, so a damaged
    /// hive is refused (ERROR_REGISTRY_CORRUPT) before anything is written into it.
    mutating func editing() throws(OfflineError) -> HiveEditor {
        if let editor { return editor }
        let made = try engine { () throws(HiveError) -> HiveEditor in
            _ = try reader.checkConsistency()
            return try HiveEditor.inMemoryCopy(of: reader)
        }
        editor = made
        reader = made.hive  // the file's mapping (and its shared lock) is let go
        return made
    }

    mutating func addPlace(_ cell: UInt32) -> (Int, UInt32) {
        serials &+= 1
        let place = KeyPlace(cell: cell, serial: serials)
        if let index = freePlaces.popLast() {
            places[index] = place
            return (index, serials)
        }
        places.append(place)
        return (places.count - 1, serials)
    }

    mutating func removePlace(_ index: Int, serial: UInt32) {
        guard index < places.count, places[index].inUse, places[index].serial == serial else { return }
        places[index].inUse = false
        freePlaces.append(index)
    }

    /// The key cell of the handle's place; a deleted key is ERROR_KEY_DELETED.
    @inline(__always)
    func cell(at index: Int, serial: UInt32) throws(OfflineError) -> UInt32 {
        guard !closed, index < places.count, places[index].inUse, places[index].serial == serial else { throw .invalidHandle }
        guard !places[index].deleted else { throw .keyDeleted }
        return places[index].cell
    }

    /// After a rename moved a key's cell: every handle on it follows.
    mutating func moved(_ old: UInt32, to new: UInt32) {
        guard old != new else { return }
        for i in places.indices where places[i].inUse && places[i].cell == old && !places[i].deleted { places[i].cell = new }
    }

    /// After a delete: every handle on the key sees it deleted.
    mutating func deleted(_ cell: UInt32) {
        for i in places.indices where places[i].inUse && places[i].cell == cell { places[i].deleted = true }
    }
}
