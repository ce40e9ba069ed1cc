/// REG_NOTIFY_CHANGE_* (what a change notification watches for) and REG_NOTIFY_THREAD_AGNOSTIC.
public struct NotifyFilter: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// A subkey added or deleted (renamed counts: it leaves one name and takes another).
    public static let name = NotifyFilter(rawValue: 0x1)
    /// The key's attributes, such as its security descriptor.
    public static let attributes = NotifyFilter(rawValue: 0x2)
    /// A value added, changed or deleted.
    public static let lastSet = NotifyFilter(rawValue: 0x4)
    /// The key's security descriptor.
    public static let security = NotifyFilter(rawValue: 0x8)
    /// The registration does not end with the thread that made it (Windows 8 and later).
    public static let threadAgnostic = NotifyFilter(rawValue: 0x1000_0000)
}

/// A thread of a process: a notification made without REG_NOTIFY_THREAD_AGNOSTIC ends with it.
public struct ThreadID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}
