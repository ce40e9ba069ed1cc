/// What a full check read.
public struct ConsistencySummary: Sendable, Equatable {
    public var keys = 0
    public var values = 0
    public var dataBytes = 0
}

extension Hive {
    /// Reads everything reachable from the root as Windows would on load: every key (list
    /// structure, parent links, order), its class name and security cell, every value and its
    /// data. The first broken rule is thrown. Used after log recovery, where only the final state
    /// has to be consistent.
    public func checkConsistency() throws(HiveError) -> ConsistencySummary {
        var summary = ConsistencySummary()
        try walk(from: rootKey()) { key, _ throws(HiveError) -> WalkControl in
            summary.keys += 1
            _ = try className(of: key)
            if key.securityOffset != 0xFFFF_FFFF {
                _ = try security(of: key)
            }
            try forEachValue(of: key) { value throws(HiveError) in
                summary.values += 1
                summary.dataBytes += try data(of: value).count
            }
            return .descend
        }
        return summary
    }
}
