import Foundation

/// Where things live under the state directory (ARCHITECTURE.md "Data on disk").
public struct StateLayout: Sendable {
    public let root: URL
    public init(root: URL) { self.root = root }

    public var machine: URL { root.appendingPathComponent("machine") }
    public var profiles: URL { root.appendingPathComponent("profiles") }
    public var defaultUserHive: URL { profiles.appendingPathComponent("Default").appendingPathComponent("NTUSER.DAT") }
    public func profile(_ user: String) -> URL { profiles.appendingPathComponent(user) }
    public func userHive(_ user: String) -> URL { profile(user).appendingPathComponent("NTUSER.DAT") }
    /// The roaming copy as this machine last fetched or wrote it: the base of a merge, and how a
    /// logoff tells that another machine uploaded since.
    public func roamingBase(_ user: String) -> URL { profile(user).appendingPathComponent("NTUSER.DAT.base") }
    public func classesHive(_ user: String) -> URL { profile(user).appendingPathComponent("UsrClass.dat") }
    /// Where a temporary profile lives while its user is logged on.
    public func temporaryProfile(_ user: String) -> URL { profiles.appendingPathComponent("\(user).TEMP") }
    public var eventLog: URL { root.appendingPathComponent("events.jsonl") }
    /// Logoffs and uploads a crash interrupted (PendingWork).
    public var pendingWork: URL { root.appendingPathComponent("pending") }
}
