#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Security cells (sk): one per distinct descriptor, shared by every key that has it, counted
/// by reference, all linked in one circular list (flink/blink) starting at the root's.
extension HiveEditor {
    /// The root security of hives we create: O:BAG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)
    /// — owner Administrators, group SYSTEM, protected; SYSTEM and Administrators full control,
    /// Users read, inherited by subkeys. (SecurityTests checks these bytes against that SDDL.)
    public static let defaultRootSecurity: [UInt8] = [
        // header: revision 1, control 0x9004 (self-relative, DACL protected, DACL present),
        // owner at 0x60, group at 0x70, no SACL, DACL at 0x14 (Windows' order: ACLs, then SIDs)
        0x01, 0x00, 0x04, 0x90, 0x60, 0x00, 0x00, 0x00, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x14, 0x00, 0x00, 0x00,
        // DACL: revision 2, 0x4C bytes, 3 ACEs, each ACCESS_ALLOWED with CONTAINER_INHERIT
        0x02, 0x00, 0x4C, 0x00, 0x03, 0x00, 0x00, 0x00,
        0x00, 0x02, 0x14, 0x00, 0x3F, 0x00, 0x0F, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // KA SY
        0x12, 0x00, 0x00, 0x00,
        0x00, 0x02, 0x18, 0x00, 0x3F, 0x00, 0x0F, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // KA BA
        0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
        0x00, 0x02, 0x18, 0x00, 0x19, 0x00, 0x02, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // KR BU
        0x20, 0x00, 0x00, 0x00, 0x21, 0x02, 0x00, 0x00,
        // owner S-1-5-32-544 (BA), group S-1-5-18 (SY)
        0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
        0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00,
    ]

    /// Gives `key` the descriptor `descriptor` (shared with keys that have the same bytes).
    public func setSecurity(of key: UInt32, to descriptor: [UInt8]) throws(HiveError) {
        let new = try securityCell(for: descriptor)
        let old = get32(key, 44)
        put32(key, 44, new)
        try releaseSecurity(old)
    }

    /// The sk holding exactly `descriptor`, its count raised; a new one linked after the root's
    /// when none does.
    func securityCell(for descriptor: [UInt8]) throws(HiveError) -> UInt32 {
        guard descriptor.count >= 20, descriptor[0] == 1 else {
            throw .refused(reason: "a security descriptor must be self-relative, revision 1, at least 20 bytes")
        }
        let rootSK = (try? hive.key(at: hive.baseBlock.rootCellOffset))?.securityOffset ?? 0xFFFF_FFFF
        if rootSK != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(rootSK) {
            var sk = rootSK
            var steps = 0
            repeat {
                let size = Int(get32(sk, 16))
                if size == descriptor.count,
                   descriptor.withUnsafeBytes({ memcmp(data(sk) + 20, $0.baseAddress!, size) == 0 }) {
                    put32(sk, 12, get32(sk, 12) + 1)
                    return sk
                }
                sk = get32(sk, 4)
                steps += 1
            } while sk != rootSK && hive.binMap.isAllocatedCell(sk) && steps < 1_000_000
        }
        let sk = try allocate(20 + descriptor.count)
        let p = data(sk)
        p.storeBytes(of: Signature.sk.littleEndian, toByteOffset: 0, as: UInt16.self)
        p.storeBytes(of: UInt32(1).littleEndian, toByteOffset: 12, as: UInt32.self)
        p.storeBytes(of: UInt32(descriptor.count).littleEndian, toByteOffset: 16, as: UInt32.self)
        descriptor.withUnsafeBytes { putBytes(sk, 20, $0) }
        if rootSK != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(rootSK) {
            let next = get32(rootSK, 4)
            put32(sk, 4, next)
            put32(sk, 8, rootSK)
            put32(next, 8, sk)
            put32(rootSK, 4, sk)
        } else {
            put32(sk, 4, sk)
            put32(sk, 8, sk)
        }
        return sk
    }

    /// One more key uses the sk at `offset`.
    func retainSecurity(_ offset: UInt32) throws(HiveError) -> UInt32 {
        guard offset != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(offset) else {
            return try securityCell(for: Self.defaultRootSecurity)
        }
        put32(offset, 12, get32(offset, 12) + 1)
        return offset
    }

    /// One key fewer uses the sk; at zero it leaves the list and is freed.
    func releaseSecurity(_ offset: UInt32) throws(HiveError) {
        guard offset != 0xFFFF_FFFF, hive.binMap.isAllocatedCell(offset) else { return }
        let count = get32(offset, 12)
        if count > 1 {
            put32(offset, 12, count - 1)
            return
        }
        let next = get32(offset, 4), previous = get32(offset, 8)
        if next != offset {
            put32(previous, 4, next)
            put32(next, 8, previous)
        }
        release(offset)
    }
}
