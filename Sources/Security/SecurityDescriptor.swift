/// SECURITY_DESCRIPTOR_CONTROL bits.
public struct SecurityDescriptorControl: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let ownerDefaulted = Self(rawValue: 0x0001)
    public static let groupDefaulted = Self(rawValue: 0x0002)
    public static let daclPresent = Self(rawValue: 0x0004)
    public static let daclDefaulted = Self(rawValue: 0x0008)
    public static let saclPresent = Self(rawValue: 0x0010)
    public static let saclDefaulted = Self(rawValue: 0x0020)
    public static let daclAutoInheritRequired = Self(rawValue: 0x0100)  // D:AR
    public static let saclAutoInheritRequired = Self(rawValue: 0x0200)  // S:AR
    public static let daclAutoInherited = Self(rawValue: 0x0400)        // D:AI
    public static let saclAutoInherited = Self(rawValue: 0x0800)        // S:AI
    public static let daclProtected = Self(rawValue: 0x1000)            // D:P
    public static let saclProtected = Self(rawValue: 0x2000)            // S:P
    public static let resourceManagerControlValid = Self(rawValue: 0x4000)
    public static let selfRelative = Self(rawValue: 0x8000)
}

/// A security descriptor in self-relative form, the bytes an sk cell holds: a 20-byte header
/// (revision 1, resource-manager byte, control, offsets of owner, group, SACL, DACL), then the
/// parts. Windows lays them out SACL, DACL, owner, group; so does `bytes`.
///
/// A present DACL that is nil is a NULL DACL (everyone gets everything); an absent one
/// (`daclPresent` clear) likewise grants everything; an empty one grants nothing
/// (Microsoft, "Null DACLs and Empty DACLs").
public struct SecurityDescriptor: Hashable, Sendable {
    public var control: SecurityDescriptorControl
    /// The header's second byte (Sbz1; resource-manager control bits when that flag is set).
    public var resourceManagerControl: UInt8
    public var owner: SID?
    public var group: SID?
    public var sacl: ACL?
    public var dacl: ACL?

    /// A descriptor with the given parts; the present bits follow the ACLs given.
    public init(owner: SID?, group: SID?, dacl: ACL?, sacl: ACL? = nil, control: SecurityDescriptorControl = []) {
        var c = control.union(.selfRelative)
        if dacl != nil { c.insert(.daclPresent) }
        if sacl != nil { c.insert(.saclPresent) }
        self.control = c
        resourceManagerControl = 0
        self.owner = owner
        self.group = group
        self.sacl = sacl
        self.dacl = dacl
    }

    public init(bytes: [UInt8]) throws(SecurityError) {
        // Array.withUnsafeBytes is not typed-throws: carry the outcome out as a Result.
        let result = bytes.withUnsafeBytes { b in
            Result { () throws(SecurityError) -> SecurityDescriptor in try SecurityDescriptor(bytes: b) }
        }
        self = try result.get()
    }

    /// Parses self-relative bytes; every offset and length is checked against `bytes`.
    public init(bytes: UnsafeRawBufferPointer) throws(SecurityError) {
        guard bytes.count >= 20 else { throw .truncated(offset: 0, what: "security descriptor header", needed: 20, available: bytes.count) }
        guard bytes[0] == 1 else { throw .malformed(offset: 0, reason: "revision \(bytes[0]), expected 1") }
        resourceManagerControl = bytes[1]
        control = SecurityDescriptorControl(rawValue: bytes.le16(2))
        guard control.contains(.selfRelative) else {
            throw .malformed(offset: 2, reason: "not self-relative (control 0x\(String(control.rawValue, radix: 16)))")
        }
        let ownerAt = Int(bytes.le32(4)), groupAt = Int(bytes.le32(8))
        let saclAt = Int(bytes.le32(12)), daclAt = Int(bytes.le32(16))
        func inside(_ o: Int, _ what: String) throws(SecurityError) {
            guard o >= 20, o < bytes.count else {
                throw .malformed(offset: o, reason: "\(what) offset \(o) outside the descriptor's \(bytes.count) bytes")
            }
        }
        if ownerAt != 0 { try inside(ownerAt, "owner"); owner = try SID(bytes: bytes, at: ownerAt) } else { owner = nil }
        if groupAt != 0 { try inside(groupAt, "group"); group = try SID(bytes: bytes, at: groupAt) } else { group = nil }
        if saclAt != 0 { try inside(saclAt, "SACL"); sacl = try ACL(bytes: bytes, at: saclAt) } else { sacl = nil }
        if daclAt != 0 { try inside(daclAt, "DACL"); dacl = try ACL(bytes: bytes, at: daclAt) } else { dacl = nil }
    }

    /// Self-relative bytes, laid out as Windows does: header, SACL, DACL, owner, group.
    public var bytes: [UInt8] {
        var out: [UInt8] = [1, resourceManagerControl]
        out.appendLE16(control.union(.selfRelative).rawValue)
        out.append(contentsOf: [UInt8](repeating: 0, count: 16))
        if let sacl { out.setLE32(UInt32(out.count), at: 12); sacl.encode(into: &out) }
        if let dacl { out.setLE32(UInt32(out.count), at: 16); dacl.encode(into: &out) }
        if let owner { out.setLE32(UInt32(out.count), at: 4); owner.encode(into: &out) }
        if let group { out.setLE32(UInt32(out.count), at: 8); group.encode(into: &out) }
        return out
    }

    /// The DACL that governs access: nil when there is none or it is NULL (all access granted).
    var effectiveDACL: ACL? { control.contains(.daclPresent) ? dacl : nil }
}
