/// Marvin32, the keyed 64-bit hash Windows puts in each HvLE log entry (regf-format.md §1
/// "Transaction logs"). The registry's seed is the 64-bit integer 0x82EF4D887A4E55C5: its low
/// half seeds the first state word, its high half the second.
public enum Marvin32 {
    public static let registrySeed: UInt64 = 0x82EF_4D88_7A4E_55C5

    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = registrySeed) -> UInt64 {
        var lo = UInt32(truncatingIfNeeded: seed)
        var hi = UInt32(truncatingIfNeeded: seed >> 32)
        let count = bytes.count
        var i = 0
        if let p = bytes.baseAddress {
            while count - i >= 4 {
                lo &+= p.u32(i)
                mix(&lo, &hi)
                i += 4
            }
        }
        // The tail: up to three bytes, then a 0x80 marker byte, as one little-endian word.
        var last: UInt32 = 0x80
        for j in stride(from: count - 1, through: i, by: -1) {
            last = (last << 8) | UInt32(bytes[j])
        }
        lo &+= last
        mix(&lo, &hi)
        mix(&lo, &hi)
        return UInt64(hi) << 32 | UInt64(lo)
    }

    @inline(__always)
    private static func mix(_ lo: inout UInt32, _ hi: inout UInt32) {
        hi ^= lo
        lo = rotl(lo, 20) &+ hi
        hi = rotl(hi, 9) ^ lo
        lo = rotl(lo, 27) &+ hi
        hi = rotl(hi, 19)
    }

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
}
