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
    public func walk(
        from start: NamedKey,
        options: WalkOptions = WalkOptions(),
        corrupt: (_ parent: NamedKey, _ depth: Int, _ error: HiveError) -> Void = { _, _, _ in },
        visit: (_ key: NamedKey, _ depth: Int) throws(HiveError) -> WalkControl
    ) throws(HiveError) {
        if start.offset == baseBlock.rootCellOffset { storage.adviseSequential() }
        let visited = calloc((Int(binsLimit) >> 9) + 1, 8)!.assumingMemoryBound(to: UInt64.self)
        defer { free(visited) }
        @inline(__always) func markVisited(_ o: UInt32) -> Bool {
            let bit = Int(o >> 3), mask: UInt64 = 1 << UInt64(bit & 63)
            if visited[bit >> 6] & mask != 0 { return false }
            visited[bit >> 6] |= mask
            return true
        }
        var frames: [[UInt32]] = []
        var next: [Int] = []
        var parents: [NamedKey] = []
        var depth = 0  // number of frames in use

        // Pushes the children of `key` (at depth `d`) as a new frame; returns false to stop.
        func push(_ key: NamedKey, _ d: Int) throws(HiveError) {
            if d + 1 > options.maxDepth {
                let e = HiveError.tooDeep(cell: key.offset, depth: options.maxDepth)
                guard options.salvage else { throw e }
                corrupt(key, d, e)
                return
            }
            if frames.count == depth {
                frames.append([])
                next.append(0)
                parents.append(key)
            }
            frames[depth].removeAll(keepingCapacity: true)
            next[depth] = 0
            parents[depth] = key
            if let e = appendSubkeys(of: key, to: &frames[depth]) {
                guard options.salvage else { throw e }
                corrupt(key, d, e)
            }
            depth += 1
        }

        _ = markVisited(start.offset)
        switch try visit(start, 0) {
        case .stop, .skipChildren: return
        case .descend: try push(start, 0)
        }
        while depth > 0 {
            let f = depth - 1
            let i = next[f]
            if i == frames[f].count {
                depth -= 1
                continue
            }
            next[f] = i + 1
            let offset = frames[f][i]
            guard markVisited(offset) else {
                let e = HiveError.cycle(cell: offset, reason: "key reached a second time (listed under 0x\(hex(parents[f].offset)))")
                guard options.salvage else { throw e }
                corrupt(parents[f], f, e)
                continue
            }
            let key: NamedKey
            do throws(HiveError) {
                key = try self.key(at: offset, referencedBy: parents[f].offset)
            } catch {
                guard options.salvage else { throw error }
                corrupt(parents[f], f, error)
                continue
            }
            switch try visit(key, f + 1) {
            case .stop: return
            case .skipChildren: continue
            case .descend: if key.subkeyCount != 0 { try push(key, f + 1) }
            }
        }
    }
}
