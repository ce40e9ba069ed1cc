/// RegSaveKeyEx's Flags: the format of the saved hive ([D-RegSaveKeyEx]; RegSaveKey is
/// `.standard`).
public enum SaveFormat: UInt32, Sendable, CaseIterable {
    /// REG_STANDARD_FORMAT: version 1.3, "the only format supported by Windows 2000".
    case standard = 1
    /// REG_LATEST_FORMAT: version 1.5, "supported starting with Windows XP".
    case latest = 2
    /// REG_NO_COMPRESSION: the hive's image as it is, for a hive's root only.
    case noCompression = 4
}
