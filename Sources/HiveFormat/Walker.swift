#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a walk does after visiting a key.
public enum WalkControl: Sendable {
    case descend, skipChildren, stop
}

public struct WalkOptions: Sendable {
    /// Skip a subtree whose structure is broken (report it and go on) instead of failing.
    public var salvage: Bool
    /// Windows refuses trees deeper than 512 levels (regf-format.md §7).
    public var maxDepth: Int
    public init(salvage: Bool = false, maxDepth: Int = 512) {
        self.salvage = salvage
        self.maxDepth = maxDepth
    }
}

extension Hive {
    /// Visits `start` and every key below it, pre-order (a key, then each subtree in list order),
    /// with an explicit stack (no recursion) and a visited bitmap (a key reached twice is a cycle).
    /// `visit` gets each key and its depth (start = 0). On a broken structure the walk throws,
    /// or with `salvage` reports it through `corrupt` (the key whose subtree is cut, its depth,
    /// the error) and goes on with the rest.
    ///
    /// A list is checked when its key is reached, each child when the walk reaches that child
    /// (its record, parent link and order after the previous entry): listing the children of a
    /// key near the root does not touch records spread over the whole file.
    public func walk(
        from start: NamedKey,
        options: WalkOptions = WalkOptions(),
        corrupt: (_ parent: NamedKey, _ depth: Int, _ error: HiveError) -> Void = { _, _, _ in },
        visit: (_ key: NamedKey, _ depth: Int) throws(HiveError) -> WalkControl
    ) throws(HiveError) {
        if start.offset == baseBlock.rootCellOffset { storage.adviseWholeFileRead() }
        let visited = calloc((Int(binsLimit) >> 9) + 1, 8)!.assumingMemoryBound(to: UInt64.self)
        // The listed children of every key on the current path; a frame is one key's range of
        // them. Malloc'd stacks, passed as inout parameters: a captured var would cost a dynamic
        // exclusivity check on every access.
        var pending = ScratchStack<ListEntry>(capacity: 1024)
        var frames = ScratchStack<Frame>(capacity: 64)
        defer {
            free(visited)
            pending.deallocate()
            frames.deallocate()
        }
        @inline(__always) func markVisited(_ o: UInt32) -> Bool {
            let bit = Int(o >> 3), mask: UInt64 = 1 << UInt64(bit & 63)
            if visited[bit >> 6] & mask != 0 { return false }
            visited[bit >> 6] |= mask
            return true
        }
        @inline(__always) func push(_ key: NamedKey, _ d: Int, _ pending: inout ScratchStack<ListEntry>,
                                    _ frames: inout ScratchStack<Frame>) throws(HiveError) {
            if d + 1 > options.maxDepth {
                let e = HiveError.tooDeep(cell: key.offset, depth: options.maxDepth)
                guard options.salvage else { throw e }
                corrupt(key, d, e)
                return
            }
            let first = pending.count
            let e = forEachListEntry(of: key) { (offset, list, _) throws(HiveError) in
                pending.append(ListEntry(offset: offset, list: list))
            }
            if let e {
                guard options.salvage else { throw e }
                corrupt(key, d, e)
            }
            frames.append(Frame(first: first, end: pending.count, parent: key))
        }

        _ = markVisited(start.offset)
        switch try visit(start, 0) {
        case .stop, .skipChildren: return
        case .descend: try push(start, 0, &pending, &frames)
        }
        while frames.count > 0 {
            let f = frames.count - 1
            var frame = frames[f]
            if frame.next == frame.end {
                pending.count = frame.first
                frames.count = f
                continue
            }
            let entry = pending[frame.next]
            let position = frame.next - frame.first
            frame.next += 1
            let key: NamedKey
            do throws(HiveError) {
                key = try self.key(at: entry.offset, referencedBy: entry.list)
                // Only a checked offset may index the bitmap.
                guard markVisited(entry.offset) else {
                    frames[f] = frame
                    let e = HiveError.cycle(cell: entry.offset, reason: "key reached a second time (listed under 0x\(hex(frame.parent.offset)))")
                    guard options.salvage else { throw e }
                    corrupt(frame.parent, f, e)
                    continue
                }
                try checkListedChild(key, of: frame.parent, list: entry.list, after: frame.previous, entry: position)
            } catch {
                // The list is broken from this entry on: the rest of it is cut too.
                frame.next = frame.end
                frames[f] = frame
                guard options.salvage else { throw error }
                corrupt(frame.parent, f, error)
                continue
            }
            frame.previous = key
            frames[f] = frame
            switch try visit(key, f + 1) {
            case .stop: return
            case .skipChildren: continue
            case .descend: if key.subkeyCount != 0 { try push(key, f + 1, &pending, &frames) }
            }
        }
    }

}

/// A child as its parent's list names it: its offset and the list cell (for error messages).
private struct ListEntry {
    let offset: UInt32
    let list: UInt32
}

/// One key's children being walked: `pending[first..<end]`, the next to visit, the last one
/// visited (its name must sort before the next one's) and the key that lists them.
private struct Frame {
    let first: Int
    var next: Int
    let end: Int
    var previous: NamedKey?
    let parent: NamedKey

    init(first: Int, end: Int, parent: NamedKey) {
        self.first = first
        next = first
        self.end = end
        self.parent = parent
    }
}
