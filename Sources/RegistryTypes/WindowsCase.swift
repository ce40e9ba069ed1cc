/// Windows' case folding for registry names: each UTF-16 code unit is upper-cased on its own with
/// the Unicode simple uppercase mapping (no expansions: 'ß' stays 'ß'); surrogates never fold, so
/// letters outside the BMP compare as written.
public enum WindowsCase {
    /// 64 Ki entries, built once from the generated pairs. `@usableFromInline` with the functions
    /// below `@inlinable`: HiveFormat's name comparisons (the walk's hot path) inline them.
    @usableFromInline nonisolated(unsafe) static let table: UnsafeMutablePointer<UInt16> = {
        let t = UnsafeMutablePointer<UInt16>.allocate(capacity: 0x10000)
        for i in 0..<0x10000 { t[i] = UInt16(i) }
        for pair in upcasePairs { t[Int(pair >> 16)] = UInt16(truncatingIfNeeded: pair) }
        return t
    }()

    @inlinable @inline(__always) public static func upcase(_ u: UInt16) -> UInt16 {
        if u < 0x61 { return u }
        if u <= 0x7A { return u &- 0x20 }
        if u < 0x80 { return u }
        return table[Int(u)]
    }

    /// Three-way comparison of two names in Windows' order.
    public static func compare(_ a: [UInt16], _ b: [UInt16]) -> Int {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in compare(pa, pb) }
        }
    }

    static func compare(_ a: UnsafeBufferPointer<UInt16>, _ b: UnsafeBufferPointer<UInt16>) -> Int {
        let n = Swift.min(a.count, b.count)
        for i in 0..<n {
            let x = upcase(a[i]), y = upcase(b[i])
            if x != y { return x < y ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// hash = 37 * hash + upcase(unit), over the UTF-16 code units, wrapping at 32 bits.
    @inlinable public static func lhHash(_ units: some Sequence<UInt16>) -> UInt32 {
        var h: UInt32 = 0
        for u in units { h = h &* 37 &+ UInt32(upcase(u)) }
        return h
    }
}
