import HiveFormat
import Security

/// A key that lives only in memory (REG_OPTION_VOLATILE, or a key of the master namespace
/// \REGISTRY, \REGISTRY\MACHINE, \REGISTRY\USER). Windows keeps volatile keys in a hive's
/// volatile storage; here they hang off their parent — a stored key of a mounted hive, or
/// another volatile key — and vanish with their hive. Only volatile keys go below them.
final class VolatileKey {
    var name: RegistryName
    /// REG_OPTION_CREATE_LINK: a symbolic link, followed through its SymbolicLinkValue.
    var isLink = false
    /// The volatile parent, or nil when the parent is a stored key (`storedParent`) or this is
    /// \REGISTRY.
    weak var parent: VolatileKey?
    var storedParent: UInt32?
    var className: RegistryName?
    var lastWritten: FileTime
    var security: SecurityDescriptor
    var values: [VolatileValue] = []
    var children = VolatileChildren()
    /// The key object, while anything refers to this key.
    weak var object: KeyObject?

    init(name: RegistryName, parent: VolatileKey?, storedParent: UInt32?, className: RegistryName?,
         security: SecurityDescriptor, now: FileTime) {
        self.name = name
        self.parent = parent
        self.storedParent = storedParent
        self.className = className
        self.security = security
        lastWritten = now
    }

    func valueIndex(_ name: UnsafeBufferPointer<UInt16>) -> Int? {
        values.firstIndex { $0.name.codeUnits.withUnsafeBufferPointer { compareFolded($0, name) } == 0 }
    }
}

struct VolatileValue {
    var name: RegistryName
    var type: UInt32
    var data: [UInt8]
}

/// What a volatile key (or a stored key's volatile list) has below it: volatile keys and, in the
/// master namespace, mounted hives. Kept sorted in Windows' order.
struct VolatileChildren {
    enum Child {
        case key(VolatileKey)
        case mount(HiveMount)
    }

    private(set) var entries: [(name: RegistryName, child: Child)] = []

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    private func position(_ name: UnsafeBufferPointer<UInt16>) -> (Int, found: Bool) {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let order = entries[mid].name.codeUnits.withUnsafeBufferPointer { compareFolded($0, name) }
            if order == 0 { return (mid, true) }
            if order < 0 { lo = mid + 1 } else { hi = mid }
        }
        return (lo, false)
    }

    func find(_ name: UnsafeBufferPointer<UInt16>) -> Child? {
        let (i, found) = position(name)
        return found ? entries[i].child : nil
    }

    mutating func insert(_ name: RegistryName, _ child: Child) {
        let (i, _) = name.codeUnits.withUnsafeBufferPointer { position($0) }
        entries.insert((name, child), at: i)
    }

    mutating func remove(_ name: RegistryName) {
        let (i, found) = name.codeUnits.withUnsafeBufferPointer { position($0) }
        if found { entries.remove(at: i) }
    }
}

/// Windows' order on names (upper-cased UTF-16), on buffers.
@inline(__always)
func compareFolded(_ a: UnsafeBufferPointer<UInt16>, _ b: UnsafeBufferPointer<UInt16>) -> Int {
    let n = min(a.count, b.count)
    for i in 0..<n {
        let x = WindowsCase.upcase(a[i]), y = WindowsCase.upcase(b[i])
        if x != y { return x < y ? -1 : 1 }
    }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}
