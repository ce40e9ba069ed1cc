/// A security identifier: revision 1, a 48-bit identifier authority and up to 15 sub-authorities
/// ("S-1-5-21-…" in text). The binary form is what sk cells, ACEs and tokens hold:
/// revision (1 byte), sub-authority count (1), authority (6, big-endian), sub-authorities (4 each,
/// little-endian).
public struct SID: Hashable, Sendable, CustomStringConvertible {
    public let authority: UInt64
    public let subAuthorities: [UInt32]
    public static let maxSubAuthorities = 15

    public init(authority: UInt64, _ subAuthorities: [UInt32]) {
        precondition(authority < 1 << 48 && subAuthorities.count <= SID.maxSubAuthorities)
        self.authority = authority
        self.subAuthorities = subAuthorities
    }

    /// Bytes of the binary form.
    public var byteCount: Int { 8 + 4 * subAuthorities.count }

    /// The relative identifier: the last sub-authority.
    public var rid: UInt32? { subAuthorities.last }

    /// "S-1-5-18"; authorities of 2^32 and more in hex, as ConvertSidToStringSid writes them.
    public var description: String {
        let auth = authority < 1 << 32 ? String(authority) : "0x" + String(authority, radix: 16, uppercase: true)
        return "S-1-" + auth + subAuthorities.map { "-\($0)" }.joined()
    }

    /// Parses "S-1-…" (case-insensitive "S", decimal or 0x-hex authority).
    public init(string: String) throws(SecurityError) {
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "S" || parts[0] == "s", parts[1] == "1" else {
            throw .badSID(string, reason: "a SID is S-1-<authority>-<sub-authority>…")
        }
        let a = parts[2]
        let parsedAuthority = a.hasPrefix("0x") || a.hasPrefix("0X") ? UInt64(a.dropFirst(2), radix: 16) : UInt64(a)
        guard let auth = parsedAuthority, auth < 1 << 48 else {
            throw .badSID(string, reason: "the identifier authority \"\(a)\" is not a 48-bit number")
        }
        var subs: [UInt32] = []
        for p in parts.dropFirst(3) {
            guard let v = UInt32(p) else { throw .badSID(string, reason: "sub-authority \"\(p)\" is not a 32-bit number") }
            subs.append(v)
        }
        guard subs.count <= SID.maxSubAuthorities else {
            throw .badSID(string, reason: "\(subs.count) sub-authorities; at most 15")
        }
        self.init(authority: auth, subs)
    }

    /// Reads the binary form at `offset` of `bytes`, checking every length.
    public init(bytes: UnsafeRawBufferPointer, at offset: Int) throws(SecurityError) {
        guard offset >= 0, offset + 8 <= bytes.count else {
            throw .truncated(offset: offset, what: "SID", needed: 8, available: Swift.max(bytes.count - offset, 0))
        }
        guard bytes[offset] == 1 else { throw .malformed(offset: offset, reason: "SID revision \(bytes[offset]), expected 1") }
        let count = Int(bytes[offset + 1])
        guard count <= SID.maxSubAuthorities else {
            throw .malformed(offset: offset, reason: "SID with \(count) sub-authorities; at most 15")
        }
        guard offset + 8 + 4 * count <= bytes.count else {
            throw .truncated(offset: offset, what: "SID", needed: 8 + 4 * count, available: bytes.count - offset)
        }
        var auth: UInt64 = 0
        for i in 2..<8 { auth = auth << 8 | UInt64(bytes[offset + i]) }
        var subs: [UInt32] = []
        subs.reserveCapacity(count)
        for i in 0..<count { subs.append(bytes.le32(offset + 8 + 4 * i)) }
        self.init(authority: auth, subs)
    }

    public func encode(into out: inout [UInt8]) {
        out.append(1)
        out.append(UInt8(subAuthorities.count))
        for shift in stride(from: 40, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: authority >> UInt64(shift))) }
        for s in subAuthorities { out.appendLE32(s) }
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }
}

extension SID {
    public static let everyone = SID(authority: 1, [0])                      // WD
    public static let creatorOwner = SID(authority: 3, [0])                  // CO
    public static let creatorGroup = SID(authority: 3, [1])                  // CG
    /// OWNER RIGHTS: ACEs for it replace the owner's implicit READ_CONTROL and WRITE_DAC.
    public static let ownerRights = SID(authority: 3, [4])                   // OW
    public static let network = SID(authority: 5, [2])                       // NU
    public static let interactive = SID(authority: 5, [4])                   // IU
    public static let service = SID(authority: 5, [6])                       // SU
    public static let anonymous = SID(authority: 5, [7])                     // AN
    public static let principalSelf = SID(authority: 5, [10])                // PS
    public static let authenticatedUsers = SID(authority: 5, [11])           // AU
    public static let restrictedCode = SID(authority: 5, [12])               // RC
    public static let localSystem = SID(authority: 5, [18])                  // SY
    public static let localService = SID(authority: 5, [19])                 // LS
    public static let networkService = SID(authority: 5, [20])               // NS
    public static let administrators = SID(authority: 5, [32, 544])         // BA
    public static let users = SID(authority: 5, [32, 545])                   // BU
    public static let guests = SID(authority: 5, [32, 546])                  // BG
    public static let powerUsers = SID(authority: 5, [32, 547])              // PU
    public static let backupOperators = SID(authority: 5, [32, 551])         // BO
    public static let allAppPackages = SID(authority: 15, [2, 1])            // AC
    public static let lowIntegrity = SID(authority: 16, [0x1000])            // LW
    public static let mediumIntegrity = SID(authority: 16, [0x2000])         // ME
    public static let highIntegrity = SID(authority: 16, [0x3000])           // HI
    public static let systemIntegrity = SID(authority: 16, [0x4000])         // SI

    /// An account of a domain: S-1-5-21-<a>-<b>-<c>-<rid> (ARCHITECTURE.md "Threads and identity").
    public static func account(in domain: DomainIdentifier, rid: UInt32) -> SID {
        SID(authority: 5, [21, domain.parts.0, domain.parts.1, domain.parts.2, rid])
    }
}

/// The three sub-authorities after 21 that name a domain (or a standalone machine): shared by every
/// machine of one site so that one user has one SID everywhere.
public struct DomainIdentifier: Hashable, Sendable, CustomStringConvertible {
    public let parts: (UInt32, UInt32, UInt32)

    public init(_ a: UInt32, _ b: UInt32, _ c: UInt32) { parts = (a, b, c) }

    /// From a machine id (systemd's /etc/machine-id: 32 hex digits): its first 12 bytes as three
    /// little-endian numbers, so a standalone machine keeps one domain across restarts.
    public init(machineID: String) throws(SecurityError) {
        let hex = machineID.trimmingWhitespace()
        var bytes: [UInt8] = []
        var it = hex.makeIterator()
        while let h = it.next() {
            guard let l = it.next(), let v = UInt8(String([h, l]), radix: 16) else {
                throw .badSID(machineID, reason: "a machine id is 32 hexadecimal digits")
            }
            bytes.append(v)
        }
        guard bytes.count == 16 else { throw .badSID(machineID, reason: "a machine id is 32 hexadecimal digits") }
        func part(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        self.init(part(0), part(4), part(8))
    }

    /// "S-1-5-21-a-b-c".
    public var description: String { "S-1-5-21-\(parts.0)-\(parts.1)-\(parts.2)" }

    public static func == (l: Self, r: Self) -> Bool { l.parts == r.parts }
    public func hash(into h: inout Hasher) { h.combine(parts.0); h.combine(parts.1); h.combine(parts.2) }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func le16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    @inline(__always) func le32(_ at: Int) -> UInt32 {
        UInt32(self[at]) | UInt32(self[at + 1]) << 8 | UInt32(self[at + 2]) << 16 | UInt32(self[at + 3]) << 24
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE16(_ v: UInt16) { append(UInt8(truncatingIfNeeded: v)); append(UInt8(v >> 8)) }
    mutating func appendLE32(_ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt32(s))) }
    }
    mutating func setLE16(_ v: UInt16, at i: Int) { self[i] = UInt8(truncatingIfNeeded: v); self[i + 1] = UInt8(v >> 8) }
    mutating func setLE32(_ v: UInt32, at i: Int) {
        for k in 0..<4 { self[i + k] = UInt8(truncatingIfNeeded: v >> UInt32(8 * k)) }
    }
}
