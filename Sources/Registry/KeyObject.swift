import HiveFormat
import Security

/// One key that something refers to (Windows' key control block): live, deleted, or in a hive
/// that was force-unloaded. Handles and predefined-key bindings point here, so deleting the key
/// or unloading its hive reaches every one of them at once.
final class KeyObject {
    enum State {
        case live
        /// The key was deleted (STATUS_KEY_DELETED).
        case deleted
        /// Its hive was force-unloaded (STATUS_HIVE_UNLOADED on Windows 7 and later).
        case hiveUnloaded
    }

    /// The hive the key is in (the master namespace for \REGISTRY, MACHINE and USER).
    var mount: HiveMount
    /// The key's nk cell, for a stored key.
    var cell: UInt32
    /// The key itself, for a volatile key.
    let node: VolatileKey?
    var state: State = .live
    /// Handles and bindings that point here.
    var references = 0
    /// Pending change notifications registered on this key.
    var watchers: [Watcher] = []

    init(mount: HiveMount, cell: UInt32) {
        self.mount = mount
        self.cell = cell
        node = nil
    }

    init(mount: HiveMount, node: VolatileKey) {
        self.mount = mount
        cell = 0xFFFF_FFFF
        self.node = node
    }

    var isLive: Bool { state == .live }

    var position: KeyPosition { node.map { .volatile(mount, $0) } ?? .stored(mount, cell) }
}

/// A key found by walking the namespace, before anything refers to it.
enum KeyPosition {
    case stored(HiveMount, UInt32)
    case volatile(HiveMount, VolatileKey)

    var mount: HiveMount {
        switch self {
        case let .stored(m, _), let .volatile(m, _): m
        }
    }
}
