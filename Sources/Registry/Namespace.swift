import HiveFormat
import Security

/// Walking the namespace: from a key to a child by name, through mount points, over paths.
extension RegistryCore {
    /// The child `name` of a key: a stored subkey, a volatile one, or a hive mounted there.
    func child(of position: KeyPosition, named name: UnsafeBufferPointer<UInt16>) throws(Win32Error) -> KeyPosition? {
        switch position {
        case let .stored(m, cell):
            do {
                let key = try m.hive.key(at: cell)
                if let k = try m.hive.subkey(of: key, named: name) { return .stored(m, k.offset) }
            } catch {
                throw win32(error)
            }
            if case let .key(node)? = m.volatileChildren[cell]?.find(name) { return .volatile(m, node) }
            return nil
        case let .volatile(m, node):
            switch node.children.find(name) {
            case let .key(child)?: return .volatile(m, child)
            case let .mount(hive)?: return .stored(hive, hive.rootCell)
            case nil: return nil
            }
        }
    }

    /// The key at `path` (components separated by backslashes; empty ones skipped) below `start`.
    func walk(from start: KeyPosition, _ path: UnsafeBufferPointer<UInt16>) throws(Win32Error) -> KeyPosition? {
        var parts = PathComponents(path)
        return try walk(from: start, &parts)
    }

    /// The key at the components `parts` has left, below `start`.
    func walk(from start: KeyPosition, _ parts: inout PathComponents) throws(Win32Error) -> KeyPosition? {
        var position = start
        while let name = parts.next() {
            guard let next = try child(of: position, named: name) else { return nil }
            position = next
        }
        return position
    }

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

/// Runs `body` with `s` as UTF-16 code units in a temporary buffer (on the stack when small).
@inline(__always)
func withUTF16<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt16>) throws(Win32Error) -> R) throws(Win32Error) -> R {
    var s = s
    let count = s.utf16.count
    let result: Result<R, Win32Error> = withUnsafeTemporaryAllocation(of: UInt16.self, capacity: max(count, 1)) { buffer in
        // ASCII (nearly every key path) widens byte by byte; anything else goes through UTF-16.
        let ascii = s.withUTF8 { bytes -> Bool in
            guard bytes.count == count, bytes.allSatisfy({ $0 < 0x80 }) else { return false }
            for (i, b) in bytes.enumerated() { buffer[i] = UInt16(b) }
            return true
        }
        if !ascii {
            var i = 0
            for u in s.utf16 {
                buffer[i] = u
                i += 1
            }
        }
        do throws(Win32Error) {
            return .success(try body(UnsafeBufferPointer(rebasing: buffer[0..<count])))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
