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
