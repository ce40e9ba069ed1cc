// Little-endian loads from unaligned positions. Callers have bounds-checked the range.

extension UnsafeRawPointer {
    @inlinable @inline(__always) func u8(_ at: Int) -> UInt8 { load(fromByteOffset: at, as: UInt8.self) }
    @inlinable @inline(__always) func u16(_ at: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self))
    }
    @inlinable @inline(__always) func u32(_ at: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
    @inlinable @inline(__always) func u64(_ at: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
    /// Two ASCII bytes as a string, for error messages about signatures.
    @usableFromInline func signature(_ at: Int, count: Int = 2) -> String {
        var s = ""
        for i in 0..<count {
            let b = u8(at + i)
            s += (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "\\x" + (b < 16 ? "0" : "") + hex(b)
        }
        return s
    }
}

/// Record signatures as the little-endian integers their bytes form ("nk" = 0x6B6E).
@usableFromInline enum Signature {
    @usableFromInline static let nk: UInt16 = 0x6B6E, vk: UInt16 = 0x6B76
    static let sk: UInt16 = 0x6B73
    static let lf: UInt16 = 0x666C, lh: UInt16 = 0x686C, li: UInt16 = 0x696C, ri: UInt16 = 0x6972
    @usableFromInline static let db: UInt16 = 0x6264
    static let regf: UInt32 = 0x6667_6572, hbin: UInt32 = 0x6E69_6268
}
