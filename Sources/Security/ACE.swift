/// An ACE's type byte. The ones with a mask and a SID after the header are modelled; any other
/// type is kept as opaque bytes so that a descriptor re-encodes exactly.
public struct ACEType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let accessAllowed = ACEType(rawValue: 0x00)
    public static let accessDenied = ACEType(rawValue: 0x01)
    public static let systemAudit = ACEType(rawValue: 0x02)
    public static let systemAlarm = ACEType(rawValue: 0x03)
    public static let systemMandatoryLabel = ACEType(rawValue: 0x11)
    public static let systemProcessTrustLabel = ACEType(rawValue: 0x14)

    /// Types whose body is a mask then a SID.
    var hasMaskAndSID: Bool { [0x00, 0x01, 0x02, 0x03, 0x11, 0x14].contains(rawValue) }
}

/// ACE flags: inheritance (object/container inherit, no-propagate, inherit-only, inherited) and,
/// for audit ACEs, success/failure.
public struct ACEFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let objectInherit = ACEFlags(rawValue: 0x01)       // OI
    public static let containerInherit = ACEFlags(rawValue: 0x02)    // CI
    public static let noPropagateInherit = ACEFlags(rawValue: 0x04)  // NP
    public static let inheritOnly = ACEFlags(rawValue: 0x08)         // IO
    public static let inherited = ACEFlags(rawValue: 0x10)           // ID
    public static let critical = ACEFlags(rawValue: 0x20)            // CR
    public static let successfulAccess = ACEFlags(rawValue: 0x40)    // SA
    public static let failedAccess = ACEFlags(rawValue: 0x80)        // FA
    public static let inheritance: ACEFlags = [.objectInherit, .containerInherit, .noPropagateInherit, .inheritOnly]
}

/// One access control entry: header (type, flags, size), then for the modelled types a mask and
/// a SID. Bytes after the SID inside the declared size are kept in `extra`; for other types the
/// whole body is `extra` and `sid` is nil.
public struct ACE: Hashable, Sendable {
    public var type: ACEType
    public var flags: ACEFlags
    public var mask: AccessMask
    public var sid: SID?
    public var extra: [UInt8]

    public init(_ type: ACEType, flags: ACEFlags = [], mask: AccessMask, sid: SID) {
        self.type = type
        self.flags = flags
        self.mask = mask
        self.sid = sid
        extra = []
    }

    public static func allow(_ sid: SID, _ mask: AccessMask, flags: ACEFlags = []) -> ACE {
        ACE(.accessAllowed, flags: flags, mask: mask, sid: sid)
    }

    public static func deny(_ sid: SID, _ mask: AccessMask, flags: ACEFlags = []) -> ACE {
        ACE(.accessDenied, flags: flags, mask: mask, sid: sid)
    }

    public var byteCount: Int { 4 + (sid.map { 4 + $0.byteCount } ?? 0) + extra.count }

    /// Reads the ACE at `offset`, within `end` (its ACL's end).
    init(bytes: UnsafeRawBufferPointer, at offset: Int, end: Int) throws(SecurityError) {
        guard offset + 4 <= end else { throw .truncated(offset: offset, what: "ACE header", needed: 4, available: end - offset) }
        type = ACEType(rawValue: bytes[offset])
        flags = ACEFlags(rawValue: bytes[offset + 1])
        let size = Int(bytes.le16(offset + 2))
        guard size >= 4, size & 3 == 0, offset + size <= end else {
            throw .malformed(offset: offset, reason: "ACE size \(size) (must be a multiple of 4, at least 4, inside its ACL of \(end - offset) remaining bytes)")
        }
        let aceEnd = offset + size
        if type.hasMaskAndSID {
            guard size >= 8 + 8 else { throw .truncated(offset: offset, what: "ACE", needed: 16, available: size) }
            mask = AccessMask(rawValue: bytes.le32(offset + 4))
            let s = try SID(bytes: UnsafeRawBufferPointer(rebasing: bytes[..<aceEnd]), at: offset + 8)
            sid = s
            extra = Array(bytes[(offset + 8 + s.byteCount)..<aceEnd])
        } else {
            mask = []
            sid = nil
            extra = Array(bytes[(offset + 4)..<aceEnd])
        }
    }

    func encode(into out: inout [UInt8]) {
        out.append(type.rawValue)
        out.append(flags.rawValue)
        out.appendLE16(UInt16(byteCount))
        if let sid {
            out.appendLE32(mask.rawValue)
            sid.encode(into: &out)
        }
        out.append(contentsOf: extra)
    }
}
