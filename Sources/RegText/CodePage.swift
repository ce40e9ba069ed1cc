#if canImport(Glibc)
import Glibc
#endif

/// A Windows ANSI code page, for REGEDIT4 files: regedit writes them in the machine's ANSI code
/// page (Windows-1252 in the West), not UTF-8. Converted with glibc's iconv; the pages offered
/// are the ANSI ones iconv has: 874, 932, 936, 949, 950 and 1250–1258.
public struct CodePage: Sendable, Hashable, CustomStringConvertible {
    public let number: Int

    /// The code page `number`, or nil when it is not one of the ANSI pages offered.
    public init?(_ number: Int) {
        guard [874, 932, 936, 949, 950].contains(number) || (1250...1258).contains(number) else { return nil }
        self.number = number
    }

    public static let windows1252 = CodePage(1252)!
    public static let offered = "874, 932, 936, 949, 950 and 1250 to 1258"
    public var description: String { "code page \(number)" }

    private var iconvName: String { "CP\(number)" }

    /// `bytes` as UTF-16 code units, or the offset of the first byte sequence this page does
    /// not define.
    public func decode(_ bytes: [UInt8]) -> Result<[UInt16], Undefined> {
        convert(bytes, from: iconvName, to: "UTF-16LE", outputPerInput: 4).map { (out: [UInt8]) -> [UInt16] in
            var units = [UInt16]()
            units.reserveCapacity(out.count / 2)
            var i = 0
            while i + 1 < out.count {
                units.append(UInt16(out[i]) | UInt16(out[i + 1]) << 8)
                i += 2
            }
            return units
        }
    }

    /// UTF-16 code units in this page, or nil when a character has no place in it.
    public func encode(_ units: [UInt16]) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(units.count * 2)
        for u in units { bytes.append(UInt8(u & 0xFF)); bytes.append(UInt8(u >> 8)) }
        return try? convert(bytes, from: "UTF-16LE", to: iconvName, outputPerInput: 2).get()
    }

    /// Where a text stopped being this page's.
    public struct Undefined: Error, Sendable, Hashable {
        public let byteOffset: Int
    }

    /// iconv from one encoding to another; the input offset where it failed.
    private func convert(_ input: [UInt8], from: String, to: String, outputPerInput: Int) -> Result<[UInt8], Undefined> {
        guard let cd = iconv_open(to, from), cd != iconv_t(bitPattern: -1) else { return .failure(Undefined(byteOffset: 0)) }
        defer { iconv_close(cd) }
        var output = [UInt8](repeating: 0, count: input.count * outputPerInput + 16)
        var source = input.map { CChar(bitPattern: $0) }
        return source.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst -> Result<[UInt8], Undefined> in
                var inPtr = src.baseAddress
                var inLeft = src.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = dst.count
                guard iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != -1 else { return .failure(Undefined(byteOffset: src.count - inLeft)) }
                return .success(Array(dst.prefix(dst.count - outLeft)))
            }
        }
    }
}
