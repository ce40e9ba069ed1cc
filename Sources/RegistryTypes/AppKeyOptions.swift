/// RegLoadAppKey's options.
public struct AppKeyOptions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// REG_PROCESS_APPKEY: while this process has the hive loaded, nobody can load it again.
    public static let processAppKey = AppKeyOptions(rawValue: 0x1)
}
