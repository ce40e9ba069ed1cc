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
        var position = start
        var i = 0
        while i < path.count {
            if path[i] == 0x5C { i += 1; continue }
            var j = i
            while j < path.count, path[j] != 0x5C { j += 1 }
            guard let next = try child(of: position, named: UnsafeBufferPointer(rebasing: path[i..<j])) else { return nil }
            position = next
            i = j
        }
        return position
    }

    /// The key at an absolute path (\REGISTRY\…).
    func position(atAbsolute path: String) throws(Win32Error) -> KeyPosition? {
        try withUTF16(path) { units throws(Win32Error) -> KeyPosition? in
            guard let first = units.firstIndex(where: { $0 != 0x5C }) else { return nil }
            var end = first
            while end < units.count, units[end] != 0x5C { end += 1 }
            let head = UnsafeBufferPointer(rebasing: units[first..<end])
            guard root.name.codeUnits.withUnsafeBufferPointer({ compareFolded($0, head) }) == 0 else { return nil }
            return try walk(from: .volatile(master, root), UnsafeBufferPointer(rebasing: units[end...]))
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
