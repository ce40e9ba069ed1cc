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
struct KeyPlace {
    var cell: UInt32
    var deleted = false
}

struct OfflineHiveState {
    /// The hive as opened (a mapping of the file, or the recovered image). Reads use it until
    /// the first change, which copies it into `editor`; cell offsets stay the same.
    var reader: Hive
    var editor: HiveEditor?
    /// The open handles of this hive (the hive's own handle is its root key).
    var keys: [UInt: KeyPlace] = [:]
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
        return made
    }

    /// The open handle `id`'s key cell; a deleted key is ERROR_KEY_DELETED.
    func cell(of id: UInt) throws(OfflineError) -> UInt32 {
        guard !closed, let place = keys[id] else { throw .invalidHandle }
        guard !place.deleted else { throw .keyDeleted }
        return place.cell
    }

    /// After a rename moved a key's cell: every handle on it follows.
    mutating func moved(_ old: UInt32, to new: UInt32) {
        guard old != new else { return }
        for (id, place) in keys where place.cell == old && !place.deleted { keys[id]?.cell = new }
    }

    /// After a delete: every handle on the key sees it deleted.
    mutating func deleted(_ cell: UInt32) {
        for (id, place) in keys where place.cell == cell { keys[id]?.deleted = true }
    }
}
