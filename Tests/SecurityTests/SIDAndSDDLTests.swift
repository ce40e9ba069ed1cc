import Security
import Testing

struct SIDTests {
    @Test func textAndBinaryForms() throws {
        let sid = try SID(string: "S-1-5-21-1004336348-1177238915-682003330-512")
        #expect(sid.description == "S-1-5-21-1004336348-1177238915-682003330-512")
        #expect(sid.rid == 512)
        let bytes = sid.bytes
        #expect(bytes.prefix(8) == [1, 5, 0, 0, 0, 0, 0, 5])  // revision, count, authority big-endian
        let back = try bytes.withUnsafeBytes { b in try SID(bytes: b, at: 0) }
        #expect(back == sid)
        #expect(SID.localSystem.description == "S-1-5-18" && SID.administrators.description == "S-1-5-32-544")
        #expect(SID(authority: 1 << 40, [1]).description == "S-1-0x10000000000-1")
        #expect(try SID(string: "S-1-0x10000000000-1") == SID(authority: 1 << 40, [1]))
    }

    @Test(arguments: ["S-1", "S-2-5-18", "X-1-5", "S-1-5-x", "S-1-5-4294967296",
                      "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"])
    func badSIDsAreRefused(_ text: String) {
        #expect(throws: SecurityError.self) { try SID(string: text) }
    }

    @Test func truncatedBinarySIDIsAnError() {
        let bytes: [UInt8] = [1, 3, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0]
        #expect(throws: SecurityError.truncated(offset: 0, what: "SID", needed: 20, available: 12)) {
            try bytes.withUnsafeBytes { b in try SID(bytes: b, at: 0) }
        }
    }

    @Test func domainAccountsShareADomainPart() throws {
        let domain = try DomainIdentifier(machineID: "0123456789abcdef0123456789abcdef\n")
        #expect(domain.description == "S-1-5-21-1732584193-4023233417-1732584193")
        #expect(SID.account(in: domain, rid: 1001).description == "S-1-5-21-1732584193-4023233417-1732584193-1001")
        #expect(throws: SecurityError.self) { try DomainIdentifier(machineID: "not hex") }
    }
}

struct SDDLTests {
    @Test func rendersAndParsesAKeyDescriptor() throws {
        let text = "O:BAG:SYD:PAI(A;CI;KA;;;SY)(A;CIIO;GA;;;CO)(D;;KW;;;BG)(A;CI;KR;;;BU)"
        let sd = try SecurityDescriptor(sddl: text)
        #expect(sd.owner == .administrators && sd.group == .localSystem)
        #expect(sd.control.isSuperset(of: [.selfRelative, .daclPresent, .daclProtected, .daclAutoInherited]))
        #expect(sd.dacl?.aces.count == 4)
        #expect(sd.dacl?.aces[1] == .allow(.creatorOwner, .genericAll, flags: [.containerInherit, .inheritOnly]))
        #expect(sd.dacl?.aces[2] == .deny(.guests, .keyWrite))
        #expect(try sd.sddl() == text)
        // Binary round trip: the bytes parse back to the same descriptor.
        #expect(try SecurityDescriptor(bytes: sd.bytes) == sd)
    }

    @Test func rightsWithoutAnAliasUseLettersOrHex() throws {
        let sd = SecurityDescriptor(owner: nil, group: nil, dacl: ACL([
            .allow(.users, [.queryValue, .enumerateSubKeys, .readControl, .delete]),  // no alias: letters
            .allow(.users, AccessMask(rawValue: 0x0400_0000)),                          // no letter: hex
        ]))
        #expect(try sd.sddl() == "D:(A;;CCSWSDRC;;;BU)(A;;0x4000000;;;BU)")
        #expect(try SecurityDescriptor(sddl: sd.sddl()) == sd)
    }

    @Test func nullAndEmptyDACLsDiffer() throws {
        let null = try SecurityDescriptor(sddl: "D:NO_ACCESS_CONTROL")
        #expect(null.control.contains(.daclPresent) && null.dacl == nil)
        #expect(try null.sddl() == "D:NO_ACCESS_CONTROL")
        let empty = try SecurityDescriptor(sddl: "D:")
        #expect(empty.dacl == ACL())
    }

    @Test func mandatoryLabelsUseTheirOwnRights() throws {
        let sd = try SecurityDescriptor(sddl: "S:(ML;CIOI;NW;;;LW)")
        #expect(sd.sacl?.aces.first?.type == .systemMandatoryLabel && sd.sacl?.aces.first?.mask == .noWriteUp)
        #expect(try sd.sddl() == "S:(ML;OICI;NW;;;LW)")
    }

    @Test(arguments: [
        ("O:XXG:SY", 2, "unknown SID alias \"XX\""),
        ("D:(A;;KA;;;SY", 13, "expected \")\""),
        ("D:(Q;;KA;;;SY)", 3, "unknown ACE type \"Q\""),
        ("D:(A;ZZ;KA;;;SY)", 5, "unknown ACE flag \"ZZ\""),
        ("D:(A;;QQ;;;SY)", 6, "unknown right \"QQ\""),
        ("X:BA", 0, "unknown component"),
    ])
    func errorsNameThePosition(_ text: String, _ position: Int, _ reason: String) {
        do {
            _ = try SecurityDescriptor(sddl: text)
            Issue.record("\(text) parsed")
        } catch {
            guard case let .badSDDL(p, r) = error else { Issue.record("\(error)"); return }
            #expect(p == position && r.contains(reason), "\(text): \(error)")
        }
    }

    @Test func malformedBytesAreErrorsNotCrashes() {
        let good = (try? SecurityDescriptor(sddl: "O:BAG:SYD:(A;;KA;;;SY)").bytes) ?? []
        // Every truncation and a flip of every byte: parsing ends in a value or an error.
        for n in 0..<good.count { _ = try? SecurityDescriptor(bytes: Array(good.prefix(n))) }
        for i in 0..<good.count {
            var b = good
            b[i] ^= 0xFF
            _ = try? SecurityDescriptor(bytes: b)
        }
        #expect(throws: SecurityError.self) { try SecurityDescriptor(bytes: Array(good.prefix(19))) }
    }
}
