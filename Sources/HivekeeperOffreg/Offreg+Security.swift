import CHivekeeper
import HiveFormat
import Security

// ORGetKeySecurity, ORSetKeySecurity (docs/c-api.md, "The offline API").

/// The parts of a descriptor SECURITY_INFORMATION names: owner, group, DACL, SACL.
private struct SecurityParts {
    let owner, group, dacl, sacl: Bool

    init(_ information: SECURITY_INFORMATION) {
        owner = information & DWORD(OWNER_SECURITY_INFORMATION) != 0
        group = information & DWORD(GROUP_SECURITY_INFORMATION) != 0
        dacl = information & DWORD(DACL_SECURITY_INFORMATION) != 0
        sacl = information & DWORD(SACL_SECURITY_INFORMATION) != 0
    }

    var none: Bool { !owner && !group && !dacl && !sacl }

    /// `target` with the named parts (and their control bits) taken from `source`.
    func merge(_ source: SecurityDescriptor, into target: SecurityDescriptor) -> SecurityDescriptor {
        var result = target
        let daclBits: SecurityDescriptorControl = [.daclPresent, .daclDefaulted, .daclAutoInheritRequired, .daclAutoInherited, .daclProtected]
        let saclBits: SecurityDescriptorControl = [.saclPresent, .saclDefaulted, .saclAutoInheritRequired, .saclAutoInherited, .saclProtected]
        func take(_ bits: SecurityDescriptorControl) {
            result.control.subtract(bits)
            result.control.formUnion(source.control.intersection(bits))
        }
        if owner { result.owner = source.owner; take(.ownerDefaulted) }
        if group { result.group = source.group; take(.groupDefaulted) }
        if dacl { result.dacl = source.dacl; take(daclBits) }
        if sacl { result.sacl = source.sacl; take(saclBits) }
        result.control.insert(.selfRelative)
        return result
    }
}

@c @implementation
public func ORGetKeySecurity(_ Handle: ORHKEY?, _ SecurityInformation: SECURITY_INFORMATION,
                             _ pSecurityDescriptor: PSECURITY_DESCRIPTOR?, _ lpcbSecurityDescriptor: PDWORD?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let lpcbSecurityDescriptor else { throw .invalidParameter }
        let parts = SecurityParts(SecurityInformation)
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            let stored = try guarded { () throws -> SecurityDescriptor in
                let key = try s.hive.key(at: k.cell)
                return try SecurityDescriptor(bytes: s.hive.security(of: key).descriptor)
            }
            // Only the parts asked for: the others absent, as RegGetKeySecurity returns them.
            let empty = SecurityDescriptor(owner: nil, group: nil, dacl: nil)
            let bytes = parts.merge(stored, into: empty).bytes
            let capacity = Int(lpcbSecurityDescriptor.pointee)
            lpcbSecurityDescriptor.pointee = DWORD(bytes.count)
            // RegGetKeySecurity's rule: too small a buffer (or none) is ERROR_INSUFFICIENT_BUFFER
            // with the size needed.
            guard let pSecurityDescriptor, bytes.count <= capacity else { throw OfflineError(ERROR_INSUFFICIENT_BUFFER) }
            bytes.withUnsafeBytes { pSecurityDescriptor.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
    }
}

@c @implementation
public func ORSetKeySecurity(_ Handle: ORHKEY?, _ SecurityInformation: SECURITY_INFORMATION,
                             _ pSecurityDescriptor: PSECURITY_DESCRIPTOR?) -> DWORD {
    offline { () throws(OfflineError) in
        guard let pSecurityDescriptor else { throw .invalidParameter }
        let parts = SecurityParts(SecurityInformation)
        guard !parts.none else { throw .invalidParameter }
        let given = try SelfRelativeDescriptor.read(pSecurityDescriptor)
        try OfflineHandles.withKey(Handle) { (s, k) throws(OfflineError) in
            let editor = try s.editing()
            try guarded {
                let key = try editor.hive.key(at: k.cell)
                let current = try SecurityDescriptor(bytes: editor.hive.security(of: key).descriptor)
                try editor.setSecurity(of: k.cell, to: parts.merge(given, into: current).bytes)
            }
        }
    }
}

/// A SECURITY_DESCRIPTOR a C caller passes: self-relative only (the absolute form holds
/// pointers; docs/c-api.md). Its length comes from its own offsets and the sizes of its parts.
enum SelfRelativeDescriptor {
    static func read(_ p: UnsafeRawPointer) throws(OfflineError) -> SecurityDescriptor {
        try parse(p).descriptor
    }

    /// The caller's bytes, as they are, once they parse.
    static func bytes(_ p: UnsafeRawPointer) throws(OfflineError) -> [UInt8] {
        let (_, length) = try parse(p)
        return Array(UnsafeRawBufferPointer(start: p, count: length))
    }

    private static func parse(_ p: UnsafeRawPointer) throws(OfflineError) -> (descriptor: SecurityDescriptor, length: Int) {
        let header = UnsafeRawBufferPointer(start: p, count: 20)
        // Revision 1, SE_SELF_RELATIVE (0x8000) in the control word.
        guard header[0] == 1, header[3] & 0x80 != 0 else {
            throw .invalidSecurityDescriptor
        }
        func u32(_ at: Int) -> Int { Int(header.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian) }
        var end = 20
        // Owner, group: a SID is 8 bytes and 4 per sub-authority (its second byte).
        for at in [4, 8] where u32(at) != 0 {
            let o = u32(at)
            guard o >= 20, o < 1 << 16 else { throw .invalidSecurityDescriptor }
            end = max(end, o + 8 + 4 * Int(p.load(fromByteOffset: o + 1, as: UInt8.self)))
        }
        // SACL, DACL: an ACL's size is its header's second 16-bit field.
        for at in [12, 16] where u32(at) != 0 {
            let o = u32(at)
            guard o >= 20, o < 1 << 16 else { throw .invalidSecurityDescriptor }
            end = max(end, o + Int(UInt16(p.load(fromByteOffset: o + 2, as: UInt8.self)) | UInt16(p.load(fromByteOffset: o + 3, as: UInt8.self)) << 8))
        }
        do {
            return (try SecurityDescriptor(bytes: UnsafeRawBufferPointer(start: p, count: end)), end)
        } catch {
            throw .invalidSecurityDescriptor
        }
    }
}
