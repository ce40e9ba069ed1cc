/// A key or value name as Windows holds it: UTF-16 code units, which may include lone surrogates
/// (a Swift `String` cannot hold those, so names are never forced through one).
public struct RegistryName: Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var codeUnits: [UInt16]

    public init(codeUnits: [UInt16]) { self.codeUnits = codeUnits }
    public init(_ string: some StringProtocol) { codeUnits = Array(string.utf16) }
    public init(stringLiteral value: String) { self.init(value) }

    public var isEmpty: Bool { codeUnits.isEmpty }

    /// The name as a Swift string; a lone surrogate becomes U+FFFD (only for display).
    public var description: String { String(decoding: codeUnits, as: UTF16.self) }

    /// True when every code unit is a valid part of UTF-16 (no lone surrogates).
    public var isValidUTF16: Bool {
        var i = 0
        while i < codeUnits.count {
            let u = codeUnits[i]
            if UTF16.isLeadSurrogate(u) {
                guard i + 1 < codeUnits.count, UTF16.isTrailSurrogate(codeUnits[i + 1]) else { return false }
                i += 2
            } else if UTF16.isTrailSurrogate(u) {
                return false
            } else {
                i += 1
            }
        }
        return true
    }

    /// Windows' order: code units compared after upper-casing each one.
    public static func < (a: RegistryName, b: RegistryName) -> Bool {
        WindowsCase.compare(a.codeUnits, b.codeUnits) < 0
    }

    /// Equal as Windows compares names (case-insensitive, BMP simple upper case).
    public func equalsIgnoringCase(_ other: RegistryName) -> Bool {
        WindowsCase.compare(codeUnits, other.codeUnits) == 0
    }

    /// The lh-list hash of this name (regf-format.md §1 "Subkey lists").
    public var lhHash: UInt32 { WindowsCase.lhHash(codeUnits) }
}

/// Windows' case folding for registry names: each UTF-16 code unit is upper-cased on its own with
/// the Unicode simple uppercase mapping (no expansions: 'ß' stays 'ß'); surrogates never fold, so
/// letters outside the BMP compare as written.
public enum WindowsCase {
    /// 64 Ki entries, built once from the generated pairs.
    nonisolated(unsafe) static let table: UnsafeMutablePointer<UInt16> = {
        let t = UnsafeMutablePointer<UInt16>.allocate(capacity: 0x10000)
        for i in 0..<0x10000 { t[i] = UInt16(i) }
        for pair in upcasePairs { t[Int(pair >> 16)] = UInt16(truncatingIfNeeded: pair) }
        return t
    }()

    @inline(__always) public static func upcase(_ u: UInt16) -> UInt16 {
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
    public static func lhHash(_ units: some Sequence<UInt16>) -> UInt32 {
        var h: UInt32 = 0
        for u in units { h = h &* 37 &+ UInt32(upcase(u)) }
        return h
    }
}

/// A name stored in a record, read in place: Latin-1 (one byte per character, the COMP_NAME flag)
/// or UTF-16LE. Valid while its hive is alive.
public struct StoredName {
    let pointer: UnsafeRawPointer
    let byteCount: Int
    let isCompressed: Bool

    /// Number of UTF-16 code units (an odd trailing byte of a UTF-16 name is dropped).
    public var count: Int { isCompressed ? byteCount : byteCount / 2 }

    @inline(__always) public subscript(i: Int) -> UInt16 {
        isCompressed ? UInt16(pointer.u8(i)) : pointer.u16(2 * i)
    }

    /// The stored name's code units, read in place.
    var units: LazyMapSequence<Range<Int>, UInt16> { (0..<count).lazy.map { self[$0] } }

    /// The lh-list hash, computed in place.
    var lhHash: UInt32 { WindowsCase.lhHash(units) }

    public var name: RegistryName {
        var units = [UInt16]()
        units.reserveCapacity(count)
        for i in 0..<count { units.append(self[i]) }
        return RegistryName(codeUnits: units)
    }

    /// Windows-order comparison with a query name.
    @inline(__always) func compare(to query: UnsafeBufferPointer<UInt16>) -> Int {
        let n = Swift.min(count, query.count)
        for i in 0..<n {
            let x = WindowsCase.upcase(self[i]), y = WindowsCase.upcase(query[i])
            if x != y { return x < y ? -1 : 1 }
        }
        return count == query.count ? 0 : (count < query.count ? -1 : 1)
    }

    /// True when this name sorts strictly before `other` in Windows' order: the walk asks it of
    /// every pair of siblings, inline (two Latin-1 names, nearly all, need no `count` and no
    /// three-way result).
    @inline(always) func sortsBefore(_ other: StoredName) -> Bool {
        guard isCompressed && other.isCompressed else { return compare(to: other) < 0 }
        return StoredName.compareLatin1(pointer, byteCount, other.pointer, other.byteCount) < 0
    }

    /// Windows-order comparison of two stored names. Equal units skip the case table, and two
    /// Latin-1 names (the common case) compare byte by byte.
    @inline(__always) func compare(to other: StoredName) -> Int {
        if isCompressed && other.isCompressed {
            return StoredName.compareLatin1(pointer, byteCount, other.pointer, other.byteCount)
        }
        let a = count, b = other.count
        for i in 0..<Swift.min(a, b) {
            let p = self[i], q = other[i]
            if p == q { continue }
            let x = WindowsCase.upcase(p), y = WindowsCase.upcase(q)
            if x != y { return x < y ? -1 : 1 }
        }
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    /// Three-way comparison of two Latin-1 names of `na` and `nb` bytes.
    @inline(always) static func compareLatin1(_ a: UnsafeRawPointer, _ na: Int, _ b: UnsafeRawPointer, _ nb: Int) -> Int {
        var i = 0
        let n = Swift.min(na, nb)
        while i < n {
            let p = a.u8(i), q = b.u8(i)
            if p != q {
                let x = WindowsCase.upcase(UInt16(p)), y = WindowsCase.upcase(UInt16(q))
                if x != y { return x < y ? -1 : 1 }
            }
            i += 1
        }
        return na == nb ? 0 : (na < nb ? -1 : 1)
    }
}
