import HiveFormat
import Security

/// A hive loaded into the namespace: its editor (file-backed, or in memory only), where it is
/// mounted, the key objects that refer into it, the volatile keys below its stored keys, and
/// who holds references. The master namespace (\REGISTRY, MACHINE, USER) is a mount without an
/// editor whose keys are all volatile.
final class HiveMount {
    enum State { case loaded, unloaded }

    /// The full path, as \REGISTRY\USER\S-1-5-21-…
    let path: String
    let name: RegistryName
    var editor: HiveEditor?
    /// The hive file, for file-backed hives.
    let file: String?
    /// Whose file rights its files are written with (a whole-file flush creates a new file
    /// beside it): the client that loaded it; nil for the machine's own hives.
    var fileIdentity: FileIdentity?
    /// Where it hangs: a key of the master namespace.
    weak var attachedTo: VolatileKey?
    /// System hives (the master namespace, HKU\.DEFAULT) cannot be unloaded (ERROR_ACCESS_DENIED).
    let isSystem: Bool
    var state: State = .loaded
    /// A snapshot: every write through it fails with ERROR_KEY_DELETED.
    var isReadOnly = false
    /// An application hive (RegLoadAppKey): reachable only through handles, unloaded with the
    /// last one.
    var isAppHive = false
    /// REG_PROCESS_APPKEY: the process that loaded it for itself alone.
    var appOwner: ProcessID?

    /// Key objects of stored keys, by nk cell, while referenced.
    var objects: [UInt32: KeyObject] = [:]
    /// Key objects of this hive's volatile keys, while referenced (their nodes point to them too).
    var volatileObjects: [ObjectIdentifier: KeyObject] = [:]
    /// Volatile keys below stored keys, by the stored parent's cell.
    var volatileChildren: [UInt32: VolatileChildren] = [:]
    /// Handles and bindings into this hive.
    var references = 0
    /// When the hive first changed after its last flush (the registry's clock), for lazy flush.
    var dirtySince: Duration?
    /// Parsed security descriptors by sk cell: an open parses a descriptor once.
    var descriptors: [UInt32: SecurityDescriptor] = [:]
    /// Called (outside the registry's lock) when the last reference goes.
    var whenUnreferenced: [@Sendable () -> Void] = []
    /// Its flushes' I/O, outside the registry's lock.
    let writes = HiveWrites()

    init(path: String, name: RegistryName, editor: HiveEditor?, file: String?, isSystem: Bool) {
        self.path = path
        self.name = name
        self.editor = editor
        self.file = file
        self.isSystem = isSystem
    }

    var hive: Hive { editor!.hive }
    var rootCell: UInt32 { editor!.hive.baseBlock.rootCellOffset }

    /// The descriptor of the stored key `cell`.
    func descriptor(ofStored cell: UInt32) throws(Win32Error) -> SecurityDescriptor {
        do {
            let key = try hive.key(at: cell)
            let sk = key.securityOffset
            if let d = descriptors[sk] { return d }
            let cellView = try hive.securityCell(at: sk)
            let d = try SecurityDescriptor(bytes: cellView.descriptor)
            descriptors[sk] = d
            return d
        } catch {
            throw .registryCorrupt
        }
    }

    func descriptor(of position: KeyPosition) throws(Win32Error) -> SecurityDescriptor {
        switch position {
        case let .stored(_, cell): try descriptor(ofStored: cell)
        case let .volatile(_, node): node.security
        }
    }
}
