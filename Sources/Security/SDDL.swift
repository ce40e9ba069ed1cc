/// SDDL, the Security Descriptor Definition Language, for people and tests:
/// `O:BAG:SYD:PAI(A;CI;KA;;;SY)(A;CIIO;GA;;;CO)`. Rendering uses Windows' aliases where one
/// means exactly the value (SIDs, rights), the two-letter rights when every bit has one, else
/// hex. Parsing accepts both forms. Sources: Microsoft, "Security Descriptor String Format",
/// "ACE Strings", "SID Strings".
///
/// SDDL has no notation for an ACL's revision, bytes after its last ACE, or ACE types without a
/// mask and SID: parsed ACLs are revision 2, and rendering such a type throws.
enum SDDLTables {
    static let sidAliases: [(String, SID)] = [
        ("WD", .everyone), ("CO", .creatorOwner), ("CG", .creatorGroup), ("OW", .ownerRights),
        ("NU", .network), ("IU", .interactive), ("SU", .service), ("AN", .anonymous), ("PS", .principalSelf),
        ("AU", .authenticatedUsers), ("RC", .restrictedCode), ("SY", .localSystem), ("LS", .localService),
        ("NS", .networkService), ("BA", .administrators), ("BU", .users), ("BG", .guests), ("PU", .powerUsers),
        ("BO", .backupOperators), ("AO", SID(authority: 5, [32, 548])), ("SO", SID(authority: 5, [32, 549])),
        ("PO", SID(authority: 5, [32, 550])), ("RE", SID(authority: 5, [32, 552])),
        ("RD", SID(authority: 5, [32, 555])), ("NO", SID(authority: 5, [32, 556])),
        ("ED", SID(authority: 5, [9])), ("WR", SID(authority: 5, [33])), ("AC", .allAppPackages),
        ("LW", .lowIntegrity), ("ME", .mediumIntegrity), ("HI", .highIntegrity), ("SI", .systemIntegrity),
    ]
    static let aceTypes: [(String, ACEType)] = [
        ("A", .accessAllowed), ("D", .accessDenied), ("AU", .systemAudit), ("AL", .systemAlarm),
        ("ML", .systemMandatoryLabel), ("TL", .systemProcessTrustLabel),
    ]
    static let aceFlags: [(String, ACEFlags)] = [
        ("OI", .objectInherit), ("CI", .containerInherit), ("NP", .noPropagateInherit), ("IO", .inheritOnly),
        ("ID", .inherited), ("CR", .critical), ("SA", .successfulAccess), ("FA", .failedAccess),
    ]
    /// Whole-mask aliases, tried first when rendering (KX equals KR, so KR is written).
    static let maskAliases: [(String, UInt32)] = [
        ("KA", 0xF003F), ("KR", 0x20019), ("KW", 0x20006), ("KX", 0x20019),
        ("FA", 0x1F01FF), ("FR", 0x120089), ("FW", 0x120116), ("FX", 0x1200A0),
    ]
    /// Per-bit rights in Windows' rendering order.
    static let rightBits: [(String, UInt32)] = [
        ("GA", 0x1000_0000), ("GR", 0x8000_0000), ("GW", 0x4000_0000), ("GX", 0x2000_0000),
        ("CC", 0x1), ("DC", 0x2), ("LC", 0x4), ("SW", 0x8), ("RP", 0x10), ("WP", 0x20), ("DT", 0x40),
        ("LO", 0x80), ("CR", 0x100), ("SD", 0x10000), ("RC", 0x20000), ("WD", 0x40000), ("WO", 0x80000),
    ]
    static let labelBits: [(String, UInt32)] = [("NW", 0x1), ("NR", 0x2), ("NX", 0x4)]
}

extension SID {
    /// The SDDL form: a two-letter alias when there is one, else "S-1-…".
    public var sddl: String { SDDLTables.sidAliases.first { $0.1 == self }?.0 ?? description }
}

extension SecurityDescriptor {
    /// The SDDL form of this descriptor.
    public func sddl() throws(SecurityError) -> String {
        var s = ""
        if let owner { s += "O:" + owner.sddl }
        if let group { s += "G:" + group.sddl }
        if control.contains(.daclPresent) {
            s += "D:" + (try Self.aclText(dacl, protected: control.contains(.daclProtected),
                                          required: control.contains(.daclAutoInheritRequired),
                                          inherited: control.contains(.daclAutoInherited)))
        }
        if control.contains(.saclPresent) {
            s += "S:" + (try Self.aclText(sacl, protected: control.contains(.saclProtected),
                                          required: control.contains(.saclAutoInheritRequired),
                                          inherited: control.contains(.saclAutoInherited)))
        }
        return s
    }

    private static func aclText(_ acl: ACL?, protected: Bool, required: Bool, inherited: Bool) throws(SecurityError) -> String {
        var s = (protected ? "P" : "") + (required ? "AR" : "") + (inherited ? "AI" : "")
        guard let acl else { return s + "NO_ACCESS_CONTROL" }
        for ace in acl.aces { s += try aceText(ace) }
        return s
    }

    private static func aceText(_ ace: ACE) throws(SecurityError) -> String {
        guard let sid = ace.sid, ace.extra.isEmpty,
              let type = SDDLTables.aceTypes.first(where: { $0.1 == ace.type })?.0 else {
            throw .notRepresentableInSDDL(reason: "ACE of type 0x\(String(ace.type.rawValue, radix: 16)) with \(ace.extra.count) bytes SDDL cannot carry")
        }
        let flags = SDDLTables.aceFlags.filter { ace.flags.contains($0.1) }.map(\.0).joined()
        return "(\(type);\(flags);\(rightsText(ace.mask, label: ace.type == .systemMandatoryLabel));;;\(sid.sddl))"
    }

    private static func rightsText(_ mask: AccessMask, label: Bool) -> String {
        let m = mask.rawValue
        if m == 0 { return "" }
        if !label, let alias = SDDLTables.maskAliases.first(where: { $0.1 == m }) { return alias.0 }
        let table = label ? SDDLTables.labelBits : SDDLTables.rightBits
        var covered: UInt32 = 0, s = ""
        for (name, bit) in table where m & bit != 0 { s += name; covered |= bit }
        return covered == m ? s : "0x" + String(m, radix: 16, uppercase: true)
    }

    /// Parses SDDL. Errors name the character position and what was expected there.
    public init(sddl text: String) throws(SecurityError) {
        var p = SDDLParser(Array(text.unicodeScalars))
        var control: SecurityDescriptorControl = [.selfRelative]
        var owner: SID?, group: SID?, dacl: ACL?, sacl: ACL?
        while true {
            p.skipSpaces()
            guard let c = p.peek() else { break }
            let start = p.pos
            guard p.peek(1) == ":" else { throw .badSDDL(position: start, reason: "expected O:, G:, D: or S:") }
            p.pos += 2
            switch c {
            case "O": owner = try p.sid()
            case "G": group = try p.sid()
            case "D", "S":
                let dacl_ = c == "D"
                var flags: SecurityDescriptorControl = dacl_ ? .daclPresent : .saclPresent
                var isNull = false
                while let f = p.peek(), f != "(" {
                    if p.take("NO_ACCESS_CONTROL") { isNull = true }
                    else if p.take("P") { flags.insert(dacl_ ? .daclProtected : .saclProtected) }
                    else if p.take("AR") { flags.insert(dacl_ ? .daclAutoInheritRequired : .saclAutoInheritRequired) }
                    else if p.take("AI") { flags.insert(dacl_ ? .daclAutoInherited : .saclAutoInherited) }
                    else { break }
                }
                var acl = ACL()
                while p.peek() == "(" { acl.aces.append(try p.ace()) }
                control.formUnion(flags)
                if dacl_ { dacl = isNull ? nil : acl } else { sacl = isNull ? nil : acl }
            default:
                throw .badSDDL(position: start, reason: "unknown component \"\(c):\"; expected O:, G:, D: or S:")
            }
        }
        // `control` already holds the present bits, a NULL ACL's included.
        self.init(owner: owner, group: group, dacl: dacl, sacl: sacl, control: control)
    }
}

private struct SDDLParser {
    let s: [Unicode.Scalar]
    var pos = 0
    init(_ s: [Unicode.Scalar]) { self.s = s }

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? { pos + ahead < s.count ? s[pos + ahead] : nil }
    mutating func skipSpaces() { while let c = peek(), c == " " { pos += 1 } }

    mutating func take(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard pos + w.count <= s.count, Array(s[pos..<pos + w.count]) == w else { return false }
        pos += w.count
        return true
    }

    mutating func expect(_ c: Unicode.Scalar) throws(SecurityError) {
        guard peek() == c else { throw .badSDDL(position: pos, reason: "expected \"\(c)\"") }
        pos += 1
    }

    /// Reads up to (not including) `stop`.
    mutating func field(until stop: Unicode.Scalar) -> (String, Int) {
        let start = pos
        var out = ""
        while let c = peek(), c != stop { out.unicodeScalars.append(c); pos += 1 }
        return (out, start)
    }

    mutating func sid() throws(SecurityError) -> SID {
        let start = pos
        if peek() == "S", peek(1) == "-" {
            var text = ""
            while let c = peek(), c == "S" && text.isEmpty || c == "-" || c == "x" || c == "X"
                || ("0"..."9").contains(c) || ("a"..."f").contains(c) || ("A"..."F").contains(c) {
                // Stop before a component that starts right after the SID ("…-500D:…").
                if (c == "D" || c == "S") && peek(1) == ":" { break }
                text.unicodeScalars.append(c)
                pos += 1
            }
            do throws(SecurityError) { return try SID(string: text) } catch {
                throw .badSDDL(position: start, reason: error.description)
            }
        }
        guard let a = peek(), let b = peek(1) else { throw .badSDDL(position: start, reason: "expected a SID") }
        let alias = String(a) + String(b)
        guard let sid = SDDLTables.sidAliases.first(where: { $0.0 == alias })?.1 else {
            throw .badSDDL(position: start, reason: "unknown SID alias \"\(alias)\" (domain aliases such as DA need a domain: write the SID)")
        }
        pos += 2
        return sid
    }

    mutating func ace() throws(SecurityError) -> ACE {
        try expect("(")
        let (typeText, typeAt) = field(until: ";")
        guard let type = SDDLTables.aceTypes.first(where: { $0.0 == typeText })?.1 else {
            throw .badSDDL(position: typeAt, reason: "unknown ACE type \"\(typeText)\"")
        }
        try expect(";")
        let (flagText, flagAt) = field(until: ";")
        var flags: ACEFlags = []
        var f = Array(flagText.unicodeScalars)[...]
        while !f.isEmpty {
            let two = String(String.UnicodeScalarView(f.prefix(2)))
            guard let flag = SDDLTables.aceFlags.first(where: { $0.0 == two })?.1 else {
                throw .badSDDL(position: flagAt + flagText.unicodeScalars.count - f.count, reason: "unknown ACE flag \"\(two)\"")
            }
            flags.insert(flag)
            f = f.dropFirst(2)
        }
        try expect(";")
        let (rightsText, rightsAt) = field(until: ";")
        let mask = try Self.rights(rightsText, at: rightsAt, label: type == .systemMandatoryLabel)
        try expect(";")
        let (objectGUID, guidAt) = field(until: ";")
        try expect(";")
        let (inheritGUID, inheritAt) = field(until: ";")
        guard objectGUID.isEmpty, inheritGUID.isEmpty else {
            throw .badSDDL(position: objectGUID.isEmpty ? inheritAt : guidAt, reason: "object ACEs (GUIDs) are not supported")
        }
        try expect(";")
        let sid = try sid()
        try expect(")")
        return ACE(type, flags: flags, mask: mask, sid: sid)
    }

    static func rights(_ text: String, at: Int, label: Bool) throws(SecurityError) -> AccessMask {
        if text.isEmpty { return [] }
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            guard let v = UInt32(text.dropFirst(2), radix: 16) else { throw .badSDDL(position: at, reason: "bad hex rights \"\(text)\"") }
            return AccessMask(rawValue: v)
        }
        if let v = UInt32(text) { return AccessMask(rawValue: v) }
        var m: UInt32 = 0
        var rest = Array(text.unicodeScalars)[...]
        while !rest.isEmpty {
            let two = String(String.UnicodeScalarView(rest.prefix(2)))
            let table = label ? SDDLTables.labelBits : SDDLTables.maskAliases + SDDLTables.rightBits
            guard let bit = table.first(where: { $0.0 == two })?.1 else {
                throw .badSDDL(position: at + text.unicodeScalars.count - rest.count, reason: "unknown right \"\(two)\"")
            }
            m |= bit
            rest = rest.dropFirst(2)
        }
        return AccessMask(rawValue: m)
    }
}
