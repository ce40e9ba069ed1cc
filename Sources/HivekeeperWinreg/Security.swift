import CHivekeeper
import RegistryClient

/// RegGetKeySecurity and RegSetKeySecurity on self-relative descriptors, the parts named by
/// SECURITY_INFORMATION (owner 1, group 2, DACL 4; a SACL, 8, needs a privilege the daemon does
/// not hand out over the wire: ERROR_PRIVILEGE_NOT_HELD).
enum KeySecurity {
    static let owner: DWORD = 1, group: DWORD = 2, dacl: DWORD = 4, sacl: DWORD = 8

    /// The descriptor with only the parts `information` names, self-relative.
    static func get(_ hkey: HKEY?, _ information: DWORD, _ buffer: UnsafeMutableRawPointer?,
                    _ count: UnsafeMutablePointer<DWORD>?) -> LSTATUS {
        guard let count else { return Win32Error.invalidParameter.status }
        guard information & sacl == 0 else { return Win32Error.privilegeNotHeld.status }
        let r = call(hkey) { client, handle, _ throws(Win32Error) in try client.keySecurity(handle) }
        guard case let .success(sd) = r else { return status(r) }
        let kept: SecurityDescriptorControl = [.daclAutoInheritRequired, .daclAutoInherited, .daclProtected]
        let part = SecurityDescriptor(owner: information & owner != 0 ? sd.owner : nil,
                                      group: information & group != 0 ? sd.group : nil,
                                      dacl: information & dacl != 0 ? sd.dacl : nil,
                                      control: information & dacl != 0 ? sd.control.intersection(kept) : [])
        let bytes = part.bytes
        let capacity = Int(count.pointee)
        count.pointee = DWORD(bytes.count)
        guard let buffer, bytes.count <= capacity else { return Win32Error.insufficientBuffer.status }
        Text.copy(bytes, to: buffer)
        return success
    }

    /// Replaces the parts `information` names with those of `descriptor` (which must be
    /// self-relative: an absolute one holds pointers this library does not follow).
    static func set(_ hkey: HKEY?, _ information: DWORD, _ descriptor: UnsafeRawPointer?) -> LSTATUS {
        guard let descriptor, information & ~(owner | group | dacl | sacl) == 0 else { return Win32Error.invalidParameter.status }
        guard information & sacl == 0 else { return Win32Error.privilegeNotHeld.status }
        // Its length: the header, then the furthest of its parts (SecurityDescriptor reads them).
        let header = UnsafeRawBufferPointer(start: descriptor, count: 20)
        let control = UInt16(header[2]) | UInt16(header[3]) << 8
        guard control & 0x8000 != 0 else { return Win32Error.invalidParameter.status }  // SE_SELF_RELATIVE
        guard let given = parse(descriptor) else { return Win32Error.invalidParameter.status }
        return status(call(hkey) { client, handle, _ throws(Win32Error) in
            let current = try client.keySecurity(handle)
            var control = current.control
            if information & dacl != 0 {
                let daclBits: SecurityDescriptorControl = [.daclAutoInheritRequired, .daclAutoInherited, .daclProtected]
                control.subtract(daclBits)
                control.formUnion(given.control.intersection(daclBits))
            }
            let merged = SecurityDescriptor(owner: information & owner != 0 ? given.owner : current.owner,
                                            group: information & group != 0 ? given.group : current.group,
                                            dacl: information & dacl != 0 ? given.dacl : current.dacl,
                                            control: control.subtracting([.daclPresent, .saclPresent]))
            try client.setKeySecurity(handle, merged)
        })
    }

    /// A self-relative descriptor at `p`: its parts' offsets bound its length.
    private static func parse(_ p: UnsafeRawPointer) -> SecurityDescriptor? {
        func u32(_ at: Int) -> Int { Int(p.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        var end = 20
        for field in [4, 8, 12, 16] {  // owner, group, SACL, DACL offsets
            let offset = u32(field)
            guard offset != 0 else { continue }
            guard offset < 1 << 16 else { return nil }
            // A SID: 8 bytes and 4 per sub-authority; an ACL: its size at +2.
            let length = field <= 8 ? 8 + 4 * Int(p.load(fromByteOffset: offset + 1, as: UInt8.self))
                : Int(p.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self))
            end = max(end, offset + length)
        }
        return try? SecurityDescriptor(bytes: UnsafeRawBufferPointer(start: p, count: end))
    }
}

@c @implementation public func RegGetKeySecurity(_ hKey: HKEY?, _ SecurityInformation: SECURITY_INFORMATION,
                                                 _ pSecurityDescriptor: PSECURITY_DESCRIPTOR?, _ lpcbSecurityDescriptor: LPDWORD?) -> LSTATUS {
    KeySecurity.get(hKey, SecurityInformation, pSecurityDescriptor, lpcbSecurityDescriptor)
}

@c @implementation public func RegSetKeySecurity(_ hKey: HKEY?, _ SecurityInformation: SECURITY_INFORMATION,
                                                 _ pSecurityDescriptor: PSECURITY_DESCRIPTOR?) -> LSTATUS {
    KeySecurity.set(hKey, SecurityInformation, pSecurityDescriptor)
}
