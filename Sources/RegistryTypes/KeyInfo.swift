/// RegQueryInfoKey's answer. Lengths are in UTF-16 code units, data sizes in bytes.
public struct KeyInfo: Sendable, Hashable {
    public var className: RegistryName?
    public var subkeyCount: Int
    public var maxSubkeyNameLength: Int
    public var maxClassNameLength: Int
    public var valueCount: Int
    public var maxValueNameLength: Int
    public var maxValueDataSize: Int
    public var securityDescriptorSize: Int
    public var lastWritten: FileTime

    public init(className: RegistryName?, subkeyCount: Int, maxSubkeyNameLength: Int, maxClassNameLength: Int, valueCount: Int,
                maxValueNameLength: Int, maxValueDataSize: Int, securityDescriptorSize: Int, lastWritten: FileTime) {
        self.className = className; self.subkeyCount = subkeyCount; self.maxSubkeyNameLength = maxSubkeyNameLength
        self.maxClassNameLength = maxClassNameLength; self.valueCount = valueCount; self.maxValueNameLength = maxValueNameLength
        self.maxValueDataSize = maxValueDataSize; self.securityDescriptorSize = securityDescriptorSize; self.lastWritten = lastWritten
    }
}

/// One subkey from RegEnumKeyEx.
public struct EnumeratedKey: Sendable, Hashable {
    public var name: RegistryName
    public var className: RegistryName?
    public var lastWritten: FileTime

    public init(name: RegistryName, className: RegistryName?, lastWritten: FileTime) {
        self.name = name; self.className = className; self.lastWritten = lastWritten
    }
}

/// A value: name (empty for the default), type, bytes.
public struct RegistryValue: Sendable, Hashable {
    public var name: RegistryName
    public var type: RegistryValueType
    public var data: [UInt8]

    public init(name: RegistryName, type: RegistryValueType, data: [UInt8]) {
        self.name = name
        self.type = type
        self.data = data
    }
}
