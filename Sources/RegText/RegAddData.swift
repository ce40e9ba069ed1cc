/// reg.exe add's /t TYPE and /d DATA turned into the bytes stored (REG ADD's documented forms:
/// strings as UTF-16LE with a terminating NUL; REG_MULTI_SZ items split at the separator, "\0"
/// unless /s gives one; REG_DWORD/REG_QWORD in decimal or 0x hex; REG_BINARY and REG_NONE as hex
/// digits). Errors say what is wrong with the data.
public enum RegAddData {
    public static let typeNames: [String: UInt32] = [
        "REG_NONE": 0, "REG_SZ": 1, "REG_EXPAND_SZ": 2, "REG_BINARY": 3, "REG_DWORD": 4,
        "REG_DWORD_LITTLE_ENDIAN": 4, "REG_DWORD_BIG_ENDIAN": 5, "REG_MULTI_SZ": 7, "REG_QWORD": 11,
        "REG_QWORD_LITTLE_ENDIAN": 11,
    ]

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The type number of a /t name (case-insensitive).
    public static func type(named name: String) throws(Invalid) -> UInt32 {
        guard let t = typeNames[name.uppercased()] else {
            throw Invalid(description: "Invalid type \(name): use one of REG_SZ, REG_MULTI_SZ, REG_EXPAND_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE, REG_DWORD_BIG_ENDIAN")
        }
        return t
    }

    public static func bytes(type: UInt32, data: String?, separator: String?) throws(Invalid) -> [UInt8] {
        func utf16z(_ s: Substring) -> [UInt8] { (Array(s.utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        let text = data ?? ""
        switch type {
        case 1, 2:
            return utf16z(text[...])
        case 7:
            let sep = separator ?? "\\0"
            guard !sep.isEmpty else { throw Invalid(description: "The separator (/s) cannot be empty") }
            let items = text.isEmpty ? [] : split(text, at: sep)
            if items.contains(where: \.isEmpty) {
                throw Invalid(description: "REG_MULTI_SZ data cannot contain an empty string (two separators in a row, or one at an end)")
            }
            return items.flatMap { utf16z($0[...]) } + [0, 0]
        case 4, 5, 11:
            let value: UInt64
            if text.isEmpty {
                value = 0
            } else if text.lowercased().hasPrefix("0x") {
                guard let v = UInt64(text.dropFirst(2), radix: 16) else { throw Invalid(description: "Invalid number \(text)") }
                value = v
            } else {
                guard let v = UInt64(text) else { throw Invalid(description: "Invalid number \(text)") }
                value = v
            }
            if type == 11 { return (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) } }
            guard value <= 0xFFFF_FFFF else { throw Invalid(description: "\(text) does not fit a 32-bit REG_DWORD") }
            let le = (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
            return type == 5 ? le.reversed() : le
        default:
            let digits = Array(text.utf8)
            guard digits.count % 2 == 0 else { throw Invalid(description: "Binary data must have an even number of hex digits") }
            var out: [UInt8] = []
            out.reserveCapacity(digits.count / 2)
            for i in stride(from: 0, to: digits.count, by: 2) {
                guard let hi = hexValue(digits[i]), let lo = hexValue(digits[i + 1]) else {
                    throw Invalid(description: "Binary data must be hex digits (\(text))")
                }
                out.append(hi << 4 | lo)
            }
            return out
        }
    }

    /// `text` cut at every occurrence of `separator` (empty pieces kept).
    static func split(_ text: String, at separator: String) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex, i = text.startIndex
        while i < text.endIndex {
            if text[i...].hasPrefix(separator) {
                pieces.append(text[start..<i])
                i = text.index(i, offsetBy: separator.count)
                start = i
            } else {
                i = text.index(after: i)
            }
        }
        pieces.append(text[start...])
        return pieces
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x37
        case 0x61...0x66: return c - 0x57
        default: return nil
        }
    }
}
