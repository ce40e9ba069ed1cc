@testable import HiveFormat
import Testing

/// The walk keeps no visited set: parent links and strict name order leave a cycle only one way
/// back in, through the walk's first key. These hives take it.
struct WalkCycleTests {
    /// root → A → C, then A's list is made to name the root, and the root to name A as its parent:
    /// every child's parent link holds, so only the start check stops the loop.
    func cyclicHive() throws -> (hive: Hive, root: UInt32, a: UInt32) {
        let e = try HiveEditor.create(path: nil)
        let root = e.hive.baseBlock.rootCellOffset
        let a = try e.createKey(under: root, named: "A").offset
        _ = try e.createKey(under: a, named: "C")
        // The editor reserves 2 GiB of address space; the hive is its first part.
        var bytes = Array(e.hive.storage.bytes.prefix(BaseBlock.size + Int(e.hive.binsLimit)))
        func put(_ value: UInt32, at cellOffset: UInt32, _ field: Int) {
            let at = BaseBlock.size + Int(cellOffset) + 4 + field
            for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        }
        let list = try e.hive.key(at: a).subkeyListOffset
        put(root, at: list, 4)  // the list's only entry
        put(a, at: root, 16)    // the root's parent
        return (try Hive(bytes: bytes), root, a)
    }

    @Test func aCycleThroughTheStartIsAnError() throws {
        let (hive, root, _) = try cyclicHive()
        var visits = 0
        let error = #expect(throws: HiveError.self) {
            try hive.walk(from: hive.rootKey()) { _, _ throws(HiveError) in
                visits += 1
                return visits > 10 ? .stop : .descend
            }
        }
        guard case let .cycle(cell, _)? = error else { Issue.record("expected a cycle, got \(String(describing: error))"); return }
        #expect(cell == root)
        #expect(visits == 2)
    }

    @Test func salvageCutsTheCycleAndFinishes() throws {
        let (hive, _, a) = try cyclicHive()
        var visits = 0
        var cut: [(UInt32, Int)] = []
        try hive.walk(from: hive.rootKey(), options: WalkOptions(salvage: true), corrupt: { parent, depth, _ in
            cut.append((parent.offset, depth))
        }) { _, _ throws(HiveError) in
            visits += 1
            return visits > 10 ? .stop : .descend
        }
        #expect(visits == 2)
        #expect(cut.count == 1)
        #expect(cut.first?.0 == a && cut.first?.1 == 1)
    }

    /// A walk of a subtree: the cycle comes back to its start through the key above it.
    @Test func aSubtreeWalkStopsAtItsStartToo() throws {
        let (hive, _, a) = try cyclicHive()
        var visits = 0
        #expect(throws: HiveError.self) {
            try hive.walk(from: hive.key(at: a)) { _, _ throws(HiveError) in
                visits += 1
                return visits > 10 ? .stop : .descend
            }
        }
        #expect(visits == 2)  // A, then the root listed under it (its parent link holds); A again is refused
    }
}
