/// How reg.exe and regedit show value data, one function per form.
public enum ValueText {
    /// The UTF-16 string a REG_SZ holds when `"string"` in a .reg file reproduces it byte for
    /// byte: even length, exactly one terminating NUL at the end and no other NUL, no CR or LF
    /// (regedit writes those raw, and they would split the line). Otherwise nil.
    public static func friendlyString(_ data: UnsafeRawBufferPointer) -> [UInt16]? {
        guard data.count >= 2, data.count % 2 == 0 else { return nil }
        let n = data.count / 2
        var units = [UInt16]()
        units.reserveCapacity(n - 1)
        for i in 0..<n {
            let u = UInt16(data[2 * i]) | UInt16(data[2 * i + 1]) << 8
            if i == n - 1 { return u == 0 ? units : nil }
            if u == 0 || u == 0x0D || u == 0x0A { return nil }
            units.append(u)
        }
        return nil
    }

    /// UTF-16LE code units of `data` up to the first NUL (an odd last byte is dropped).
    public static func stringUnits(_ data: UnsafeRawBufferPointer) -> [UInt16] {
        var units = [UInt16]()
        var i = 0
        while i + 1 < data.count {
            let u = UInt16(data[i]) | UInt16(data[i + 1]) << 8
            if u == 0 { break }
            units.append(u)
            i += 2
        }
        return units
    }

    /// The strings of a REG_MULTI_SZ (split at NULs; the empty string that ends the list and
    /// anything after it are dropped, as reg.exe shows them).
    public static func multiStrings(_ data: UnsafeRawBufferPointer) -> [[UInt16]] {
        var out: [[UInt16]] = []
        var current: [UInt16] = []
        var i = 0
        while i + 1 < data.count {
            let u = UInt16(data[i]) | UInt16(data[i + 1]) << 8
            i += 2
            if u == 0 {
                if current.isEmpty { break }
                out.append(current)
                current = []
            } else {
                current.append(u)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func hex32(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    /// Upper-case hex digits with no separators (reg.exe's REG_BINARY form).
    public static func hexString(_ data: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(data.count * 2)
        for b in data {
            bytes.append(digits[Int(b >> 4)])
            bytes.append(digits[Int(b & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// reg.exe's rendering of a value's data in `reg query` output.
    public static func queryText(type: UInt32, data: UnsafeRawBufferPointer) -> String {
        func text(_ units: [UInt16]) -> String { String(decoding: units, as: UTF16.self) }
        switch type {
        case 1, 2:
            return text(stringUnits(data))
        case 7:
            return multiStrings(data).map(text).joined(separator: "\\0")
        case 4 where data.count == 4:
            return "0x" + String(data.loadUnaligned(as: UInt32.self).littleEndian, radix: 16)
        case 5 where data.count == 4:
            return "0x" + String(data.loadUnaligned(as: UInt32.self).bigEndian, radix: 16)
        case 11 where data.count == 8:
            return "0x" + String(data.loadUnaligned(as: UInt64.self).littleEndian, radix: 16)
        default:
            return hexString(data)
        }
    }
}
