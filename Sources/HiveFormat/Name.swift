import RegistryTypes

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
