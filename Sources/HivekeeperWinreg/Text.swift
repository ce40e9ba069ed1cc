#if canImport(Glibc)
import Glibc
#endif
import CHivekeeper
import RegistryClient

/// How a function family passes text: W as UTF-16 code units, A as UTF-8 bytes (Windows' CP_UTF8),
/// lengths counted in those units.
enum Encoding {
    case wide, narrow

    /// Bytes per code unit (and per terminator).
    var unit: Int { self == .wide ? 2 : 1 }

    /// `name` in this encoding's units, as bytes, without a terminator.
    func encode(_ name: RegistryName) -> [UInt8] {
        switch self {
        case .wide: return Text.bytes(ofUnits: name.codeUnits)
        case .narrow: return Array(String(decoding: name.codeUnits, as: UTF16.self).utf8)
        }
    }

    /// A value's data as this family's functions see it: A functions see strings converted to
    /// UTF-8 (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ), everything else as stored.
    func data(_ value: RegistryValue) -> [UInt8] {
        guard self == .narrow, Text.isString(value.type.rawValue) else { return value.data }
        return Text.utf8(fromUTF16Bytes: value.data)
    }
}

enum Text {
    /// REG_SZ, REG_EXPAND_SZ and REG_MULTI_SZ: the types the A functions convert.
    static func isString(_ type: UInt32) -> Bool { type == 1 || type == 2 || type == 7 }

    /// A NUL-terminated UTF-16 string (NULL: nil).
    static func name(_ p: UnsafePointer<WCHAR>?) -> RegistryName? {
        guard let p else { return nil }
        var n = 0
        while p[n] != 0 { n += 1 }
        return RegistryName(codeUnits: Array(UnsafeBufferPointer(start: p, count: n)))
    }

    /// A NUL-terminated UTF-8 string (NULL: nil); a malformed sequence becomes U+FFFD, as
    /// MultiByteToWideChar(CP_UTF8) makes it.
    static func name(_ p: UnsafePointer<CChar>?) -> RegistryName? {
        guard let p else { return nil }
        return RegistryName(String(cString: p))
    }

    static func bytes(ofUnits units: [UInt16]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(units.count * 2)
        for u in units {
            out.append(UInt8(truncatingIfNeeded: u))
            out.append(UInt8(truncatingIfNeeded: u >> 8))
        }
        return out
    }

    /// Little-endian UTF-16 bytes as code units (an odd last byte is dropped).
    static func units(ofBytes bytes: [UInt8]) -> [UInt16] {
        var out = [UInt16]()
        out.reserveCapacity(bytes.count / 2)
        var i = 0
        while i + 1 < bytes.count {
            out.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
            i += 2
        }
        return out
    }

    /// UTF-16 data (embedded NULs kept) as UTF-8; a lone surrogate becomes U+FFFD.
    static func utf8(fromUTF16Bytes bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: units(ofBytes: bytes), as: UTF16.self).utf8)
    }

    /// UTF-8 data (embedded NULs kept) as UTF-16 bytes.
    static func utf16Bytes(fromUTF8 bytes: [UInt8]) -> [UInt8] {
        self.bytes(ofUnits: Array(String(decoding: bytes, as: UTF8.self).utf16))
    }

    /// Copies `bytes` to `p`.
    static func copy(_ bytes: [UInt8], to p: UnsafeMutableRawPointer) {
        bytes.withUnsafeBytes { b in
            if let base = b.baseAddress { p.copyMemory(from: base, byteCount: b.count) }
        }
    }

    /// Writes `bytes` and a terminator of `unit` bytes.
    static func copyTerminated(_ bytes: [UInt8], unit: Int, to p: UnsafeMutableRawPointer) {
        copy(bytes, to: p)
        for i in 0..<unit { p.storeBytes(of: 0, toByteOffset: bytes.count + i, as: UInt8.self) }
    }

    /// Whether string data ends with a non-NUL unit (so a reader appends a terminator if room).
    static func endsUnterminated(_ bytes: [UInt8], unit: Int) -> Bool {
        guard bytes.count >= unit else { return false }
        return bytes[(bytes.count - unit)...].contains { $0 != 0 }
    }

    /// This machine's name (gethostname).
    static func hostName() -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let ok = buffer.withUnsafeMutableBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { gethostname($0, b.count - 1) } == 0
        }
        guard ok else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}
