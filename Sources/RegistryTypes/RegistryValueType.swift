/// A registry value's type (vk @12). Any 32-bit number occurs in real hives (DEVPROP types
/// 0xFFFF00xx, 0x10 FILETIME, …), so this is an open set with Windows' names for the known ones.
public struct RegistryValueType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static let none = Self(0)
    public static let string = Self(1)
    public static let expandString = Self(2)
    public static let binary = Self(3)
    public static let dword = Self(4)
    public static let dwordBigEndian = Self(5)
    public static let link = Self(6)
    public static let multiString = Self(7)
    public static let resourceList = Self(8)
    public static let fullResourceDescriptor = Self(9)
    public static let resourceRequirementsList = Self(10)
    public static let qword = Self(11)

    /// reg.exe's name ("REG_SZ"), or nil for a type reg.exe has no name for.
    public var windowsName: String? {
        switch rawValue {
        case 0: "REG_NONE"
        case 1: "REG_SZ"
        case 2: "REG_EXPAND_SZ"
        case 3: "REG_BINARY"
        case 4: "REG_DWORD"
        case 5: "REG_DWORD_BIG_ENDIAN"
        case 6: "REG_LINK"
        case 7: "REG_MULTI_SZ"
        case 8: "REG_RESOURCE_LIST"
        case 9: "REG_FULL_RESOURCE_DESCRIPTOR"
        case 10: "REG_RESOURCE_REQUIREMENTS_LIST"
        case 11: "REG_QWORD"
        default: nil
        }
    }

    /// The Windows name, or "0x…" for any other number.
    public var description: String { windowsName ?? "0x" + String(rawValue, radix: 16, uppercase: true) }
}
