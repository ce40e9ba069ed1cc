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
    /// Index the bins on another thread beside a walk from the root (tests turn it off to
    /// compare the two ways).
    var indexInParallel = true
    public init(salvage: Bool = false, maxDepth: Int = 512) {
        self.salvage = salvage
        self.maxDepth = maxDepth
    }
}

extension Hive {
    /// Visits `start` and every key below it, pre-order (a key, then each subtree in list order),
    /// with an explicit stack (no recursion).
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
        // A walk from the root reads the whole file: read ahead, and the bins indexed on another
        // thread as the walk goes (BinIndexer).
        var indexing = false
        if start.offset == baseBlock.rootCellOffset {
            storage.adviseWholeFileRead()
            indexing = options.indexInParallel && binMap.startIndexing(owner: storage)
        }
        let readAhead = binMap.readAhead
        binMap.readAhead = 1 << 20
        // The listed children of every key on the current path; a frame is one key's range of
        // them. Malloc'd stacks, passed as inout parameters: a captured var would cost a dynamic
        // exclusivity check on every access.
        var pending = ScratchStack<ListEntry>(capacity: 1024)
        var frames = ScratchStack<Frame>(capacity: 64)
        defer {
            if indexing { binMap.stopIndexing() }
            binMap.readAhead = readAhead
            pending.deallocate()
            frames.deallocate()
        }
        /// The frame of `key`'s children, or nil when it has none to walk (too deep, or a list
        /// broken before its first entry under `salvage`).
        @inline(__always) func frame(listedBy key: Cell, depth d: Int,
                                     _ pending: inout ScratchStack<ListEntry>) throws(HiveError) -> Frame? {
            if d + 1 > options.maxDepth {
                let e = HiveError.tooDeep(cell: key.offset, depth: options.maxDepth)
                guard options.salvage else { throw e }
                corrupt(NamedKey(checked: key, owner: storage), d, e)
                return nil
            }
            let first = pending.count
            let e = forEachListLeaf(of: key) { leaf, take, _ in
                let entries = pending.append(uninitialized: take)
                for i in 0..<take { entries[i] = ListEntry(offset: leaf.offset(i), list: leaf.cell.offset) }
            }
            if let e {
                guard options.salvage else { throw e }
                corrupt(NamedKey(checked: key, owner: storage), d, e)
            }
            return pending.count == first ? nil : Frame(first: first, end: pending.count, parent: key)
        }

        switch try visit(start, 0) {
        case .stop, .skipChildren: return
        case .descend: break
        }
        guard start.subkeyCount != 0, var top = try frame(listedBy: start.cell, depth: 0, &pending) else { return }
        // `top` is the innermost frame, kept in locals; `frames` holds the ones above it, so
        // `frames.count` is the depth of `top.parent`.
        while true {
            if top.next == top.end {
                pending.count = top.first
                guard frames.count > 0 else { return }
                frames.count -= 1
                top = frames[frames.count]
                continue
            }
            let entry = pending[top.next]
            let position = top.next - top.first
            top.next += 1
            let keyCell: Cell
            do throws(HiveError) {
                // No key is reached twice without a visited set: every child names the key it is
                // listed under as its parent and sorts strictly after its previous sibling, so a
                // key reached twice would need its parent reached twice, and so on up to `start`,
                // which only a cycle lists again.
                guard entry.offset != start.offset else {
                    throw HiveError.cycle(cell: entry.offset, reason: "the walk's first key is listed again, under 0x\(hex(top.parent.offset))")
                }
                let c = try NamedKey.checked(cell(at: entry.offset, referencedBy: entry.list), referencedBy: entry.list)
                guard isListedChild(c, of: top.parent.offset, after: top.previous) else {
                    throw listedChildError(NamedKey(checked: c, owner: storage), of: top.parent.offset, list: entry.list,
                                           after: top.previous, entry: position)
                }
                keyCell = c
            } catch {
                // The list is broken from this entry on: the rest of it is cut too.
                top.next = top.end
                guard options.salvage else { throw error }
                corrupt(NamedKey(checked: top.parent, owner: storage), frames.count, error)
                continue
            }
            top.previous = keyCell
            let depth = frames.count + 1
            // Lent, not made: no retain per key (Lending.swift).
            switch try NamedKey.lend(keyCell, of: storage, { key throws(HiveError) in try visit(key, depth) }) {
            case .stop: return
            case .skipChildren: continue
            case .descend:
                if keyCell.data.u32(20) != 0,  // the nk's subkey count
                   let inner = try frame(listedBy: keyCell, depth: depth, &pending) {
                    frames.append(top)
                    top = inner
                }
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
/// visited (its name must sort before the next one's) and the key that lists them. Their nk
/// cells, not `NamedKey`s: a key holds a reference, and a copy per frame would be a retain.
private struct Frame {
    let first: Int
    var next: Int
    let end: Int
    var previous: Cell?
    let parent: Cell

    init(first: Int, end: Int, parent: Cell) {
        self.first = first
        next = first
        self.end = end
        self.parent = parent
    }
}
