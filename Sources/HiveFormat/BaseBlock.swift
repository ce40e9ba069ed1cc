/// The 4096-byte header of a primary hive file (regf-format.md §1 "Base block"). Only the first
/// 512 bytes carry meaning; they are checksummed.
public struct BaseBlock: Sendable, Equatable {
    public static let size = 4096

    public var primarySequence: UInt32
    public var secondarySequence: UInt32
    public var lastWritten: FileTime
    public var majorVersion: UInt32
    public var minorVersion: UInt32
    /// 0 primary, 1/2 old-format log, 6 new-format log.
    public var fileType: UInt32
    public var fileFormat: UInt32
    public var rootCellOffset: UInt32
    public var hiveBinsDataSize: UInt32
    public var clusteringFactor: UInt32
    /// The last characters of the path the hive was saved from (debug only); UTF-16LE.
    public var fileName: RegistryName
    /// Vista+ flags at 144 (0x1 KTM locked, 0x2 defragmented / layered keys supported).
    public var flags: UInt32
    /// Win8+ last reorganized time (its low 2 bits are reorganization kind flags).
    public var lastReorganized: UInt64
    public var storedChecksum: UInt32
    public var computedChecksum: UInt32

    /// Why the hive is dirty (Windows would look for its logs), or empty when clean.
    public var dirtyReasons: [String] {
        var reasons: [String] = []
        if primarySequence != secondarySequence {
            reasons.append("sequence numbers differ (primary \(primarySequence), secondary \(secondarySequence))")
        }
        if storedChecksum != computedChecksum {
            reasons.append("base block checksum is 0x\(hex(storedChecksum)), computed 0x\(hex(computedChecksum))")
        }
        return reasons
    }
    public var isDirty: Bool { !dirtyReasons.isEmpty }

    /// Parses the base block from the first bytes of a file. Refuses what is not a regf primary
    /// (signature, size); version support is checked by `Hive`.
    public init(bytes: UnsafeRawBufferPointer) throws(HiveError) {
        guard bytes.count >= 4, let p = bytes.baseAddress else {
            throw .notAHive(reason: "the file is \(bytes.count) bytes long; a hive starts with a 4096-byte base block")
        }
        let magic = p.u32(0)
        guard magic == Signature.regf else {
            if magic == 0x4845_5243 /* "CREG" */ {
                throw .notAHive(reason: "this is a Windows 9x registry file (CREG), not an NT hive (regf)")
            }
            throw .notAHive(reason: "the signature at file offset 0 is \"\(p.signature(0, count: 4))\", not \"regf\"")
        }
        guard bytes.count >= 512 else {
            throw .notAHive(reason: "the file is \(bytes.count) bytes long; the base block alone needs 512")
        }
        primarySequence = p.u32(4)
        secondarySequence = p.u32(8)
        lastWritten = FileTime(rawValue: p.u64(12))
        majorVersion = p.u32(20)
        minorVersion = p.u32(24)
        fileType = p.u32(28)
        fileFormat = p.u32(32)
        rootCellOffset = p.u32(36)
        hiveBinsDataSize = p.u32(40)
        clusteringFactor = p.u32(44)
        var name: [UInt16] = []
        for i in stride(from: 48, to: 112, by: 2) {
            let u = p.u16(i)
            if u == 0 { break }
            name.append(u)
        }
        fileName = RegistryName(codeUnits: name)
        flags = p.u32(144)
        lastReorganized = p.u64(168)
        storedChecksum = p.u32(508)
        computedChecksum = BaseBlock.checksum(p)
    }

    /// XOR of the 127 dwords before offset 508, with Windows' two fix-ups (-1 → -2, 0 → 1).
    public static func checksum(_ p: UnsafeRawPointer) -> UInt32 {
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 508, by: 4) { sum ^= p.u32(i) }
        if sum == 0xFFFF_FFFF { return 0xFFFF_FFFE }
        if sum == 0 { return 1 }
        return sum
    }
}
