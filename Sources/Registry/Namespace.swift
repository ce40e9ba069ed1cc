import HiveFormat
import Security

/// Walking the namespace: from a key to a child by name, through mount points, over paths.
extension RegistryCore {
    /// The child `name` of a key: a stored subkey, a volatile one, or a hive mounted there.
    func child(of position: KeyPosition, named name: UnsafeBufferPointer<UInt16>) throws(Win32Error) -> KeyPosition? {
        try step(from: position, named: name)?.position
    }

    /// The child `name` of a key, and whether it is a symbolic link (read from the nk found, so
    /// a walk pays nothing more for links).
    func step(from position: KeyPosition, named name: UnsafeBufferPointer<UInt16>) throws(Win32Error) -> (position: KeyPosition, isLink: Bool)? {
        switch position {
        case let .stored(m, cell):
            do {
                if let k = try m.hive.subkeyOffset(ofKeyAt: cell, named: name) { return (.stored(m, k.offset), k.isSymbolicLink) }
            } catch {
                throw win32(error)
            }
            if case let .key(node)? = m.volatileChildren[cell]?.find(name) { return (.volatile(m, node), node.isLink) }
            return nil
        case let .volatile(m, node):
            switch node.children.find(name) {
            case let .key(child)?: return (.volatile(m, child), child.isLink)
            case let .mount(hive)?: return (.stored(hive, hive.rootCell), false)
            case nil: return nil
            }
        }
    }

    /// The key at `path` (components separated by backslashes; empty ones skipped) below `start`,
    /// following symbolic links — the last one too unless `openLink` (REG_OPTION_OPEN_LINK).
    func walk(from start: KeyPosition, _ path: UnsafeBufferPointer<UInt16>, openLink: Bool = false) throws(Win32Error) -> KeyPosition? {
        var parts = PathComponents(path)
        return try walk(from: start, &parts, openLink: openLink)
    }

    /// The key at the components `parts` has left, below `start`.
    func walk(from start: KeyPosition, _ parts: inout PathComponents, openLink: Bool = false,
              reparses: Int = 0) throws(Win32Error) -> KeyPosition? {
        var position = start
        while let name = parts.next() {
            guard let (next, isLink) = try step(from: position, named: name) else { return nil }
            if isLink, !(openLink && parts.atEnd) {
                return try reparse(at: next, rest: parts.remainder, reparses: reparses) { p, rest, count throws(Win32Error) in
                    try walk(from: p, &rest, openLink: openLink, reparses: count)
                }
            }
            position = next
        }
        return position
    }

    /// Windows' limit on reparses in one name lookup (OBJ_MAX_REPARSE_ATTEMPTS, ntobapi.h):
    /// a chain of links longer than this — or a loop — does not resolve.
    static let maxReparses = 32

    /// Goes on through the symbolic link `link`: its target (an absolute path) with `rest` after
    /// it, walked from \REGISTRY by `body`. A link without a REG_LINK target, or one chain too
    /// many, is ERROR_FILE_NOT_FOUND (STATUS_OBJECT_NAME_NOT_FOUND).
    func reparse<R>(at link: KeyPosition, rest: UnsafeBufferPointer<UInt16>, reparses: Int,
                    _ body: (KeyPosition, inout PathComponents, Int) throws(Win32Error) -> R?) throws(Win32Error) -> R? {
        guard reparses < Self.maxReparses, var units = try linkTarget(of: link) else { throw .fileNotFound }
        units.append(0x5C)
        units.append(contentsOf: rest)
        return try units.withUnsafeBufferPointer { all throws(Win32Error) -> R? in
            var parts = PathComponents(all)
            guard let head = parts.next(),
                  root.name.codeUnits.withUnsafeBufferPointer({ compareFolded($0, head) }) == 0 else { throw .fileNotFound }
            return try body(.volatile(master, root), &parts, reparses + 1)
        }
    }

    /// Whether the key is a symbolic link (REG_OPTION_CREATE_LINK; KEY_SYM_LINK in its nk).
    func isLink(_ position: KeyPosition) throws(Win32Error) -> Bool {
        switch position {
        case let .stored(m, cell):
            do {
                return try m.hive.key(at: cell).flags.contains(.symbolicLink)
            } catch {
                throw win32(error)
            }
        case let .volatile(_, node):
            return node.isLink
        }
    }

    /// A link's target: its SymbolicLinkValue when that is REG_LINK (UTF-16, no terminator).
    func linkTarget(of position: KeyPosition) throws(Win32Error) -> [UInt16]? {
        let bytes: [UInt8]
        switch position {
        case let .stored(m, cell):
            bytes = try readingHive { () throws -> [UInt8]? in
                let hive = m.hive
                guard let v = try hive.value(of: hive.key(at: cell), named: Self.linkValueName),
                      v.type.rawValue == RegistryValueType.link.rawValue else { return nil }
                return try hive.data(of: v).bytes
            } ?? []
        case let .volatile(_, node):
            guard let i = Self.linkValueName.codeUnits.withUnsafeBufferPointer({ node.valueIndex($0) }),
                  node.values[i].type == RegistryValueType.link.rawValue else { return nil }
            bytes = node.values[i].data
        }
        guard !bytes.isEmpty else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        for i in stride(from: 0, to: bytes.count - 1, by: 2) { units.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8) }
        while units.last == 0 { units.removeLast() }
        return units.isEmpty ? nil : units
    }

    /// The one value a link key may hold.
    static let linkValueName = RegistryName("SymbolicLinkValue")

    /// The key at an absolute path (\REGISTRY\…).
    func position(atAbsolute path: String) throws(Win32Error) -> KeyPosition? {
        try withUTF16(path) { units throws(Win32Error) -> KeyPosition? in
            var parts = PathComponents(units)
            guard let head = parts.next(),
                  root.name.codeUnits.withUnsafeBufferPointer({ compareFolded($0, head) }) == 0 else { return nil }
            return try walk(from: .volatile(master, root), &parts)
        }
    }

    /// Whether the key has subkeys (stored or volatile) or, in the master namespace, hives.
    func hasChildren(_ position: KeyPosition) throws(Win32Error) -> Bool {
        switch position {
        case let .stored(m, cell):
            do {
                if try m.hive.key(at: cell).subkeyCount > 0 { return true }
            } catch {
                throw win32(error)
            }
            return !(m.volatileChildren[cell]?.isEmpty ?? true)
        case let .volatile(_, node):
            return !node.children.isEmpty
        }
    }
}

/// The components of a backslash-separated path, empty ones skipped, read in place.
struct PathComponents: IteratorProtocol {
    private let units: UnsafeBufferPointer<UInt16>
    private var i = 0

    init(_ units: UnsafeBufferPointer<UInt16>) {
        self.units = units
        skipSeparators()
    }

    /// True when no component is left.
    var atEnd: Bool { i >= units.count }
    /// How many components are left (without consuming them).
    var remainingCount: Int {
        var copy = self
        var n = 0
        while copy.next() != nil { n += 1 }
        return n
    }

    /// What is left, unread.
    var remainder: UnsafeBufferPointer<UInt16> { UnsafeBufferPointer(rebasing: units[i...]) }

    mutating func next() -> UnsafeBufferPointer<UInt16>? {
        guard i < units.count else { return nil }
        var j = i
        while j < units.count, units[j] != 0x5C { j += 1 }
        defer {
            i = j
            skipSeparators()
        }
        return UnsafeBufferPointer(rebasing: units[i..<j])
    }

    private mutating func skipSeparators() {
        while i < units.count, units[i] == 0x5C { i += 1 }
    }
}

/// Runs `body` with `s` as UTF-16 code units (a string's in a temporary buffer, on the stack
/// when small; a `RegistryName`'s in place).
@inline(__always)
func withUTF16<R>(_ s: some RegistryPath, _ body: (UnsafeBufferPointer<UInt16>) throws(Win32Error) -> R) throws(Win32Error) -> R {
    try s.withCodeUnits(body)
}
