import HiveFormat
import Security
import Testing
import TestSupport

/// Every security descriptor of the corpus's hives: parsed, re-encoded byte for byte, rendered to
/// SDDL and parsed back.
@Suite(.enabled(if: SharedCorpus.isPresent, "needs ../shared/hives"))
struct CorpusDescriptorTests {
    /// The descriptors of one hive, found by following the sk list from the root key's sk cell
    /// (every sk cell of a hive is on that circular list).
    static func descriptors(_ hive: Hive) -> [(offset: UInt32, bytes: [UInt8])] {
        guard let root = try? hive.rootKey(), var sk = try? hive.security(of: root) else { return [] }
        var out: [(UInt32, [UInt8])] = []
        var seen: Set<UInt32> = []
        while seen.insert(sk.offset).inserted, seen.count < 100_000 {
            out.append((sk.offset, Array(sk.descriptor)))
            guard let next = try? hive.securityCell(at: sk.flink) else { break }
            sk = next
        }
        return out
    }

    /// What SDDL can carry: no ACL slack, ACL revision 2, and no inheritance flags for an ACL
    /// that is not present (SDDL has no notation for any of them; docs/security.md).
    static func sddlCarried(_ sd: SecurityDescriptor) -> SecurityDescriptor {
        var n = sd
        if !sd.control.contains(.daclPresent) {
            n.control.subtract([.daclProtected, .daclAutoInherited, .daclAutoInheritRequired])
        }
        if !sd.control.contains(.saclPresent) {
            n.control.subtract([.saclProtected, .saclAutoInherited, .saclAutoInheritRequired])
        }
        for keyPath in [\SecurityDescriptor.dacl, \SecurityDescriptor.sacl] {
            if var acl = n[keyPath: keyPath] {
                acl.slack = []
                acl.revision = ACL.revision
                n[keyPath: keyPath] = acl
            }
        }
        return n
    }

    @Test func everyDescriptorRoundTrips() throws {
        var total = 0, distinct = Set<[UInt8]>(), withSlack = 0
        for file in SharedCorpus.primaryHives() {
            guard let hive = try? Hive(path: SharedCorpus.path(file)) else { continue }
            for (offset, bytes) in Self.descriptors(hive) {
                total += 1
                distinct.insert(bytes)
                let where_ = "\(file) sk 0x\(String(offset, radix: 16))"
                let sd: SecurityDescriptor
                do { sd = try SecurityDescriptor(bytes: bytes) } catch {
                    Issue.record("\(where_): \(error)")
                    continue
                }
                #expect(sd.bytes == bytes, "\(where_): re-encoding differs")
                if sd.dacl?.slack.isEmpty == false || sd.sacl?.slack.isEmpty == false { withSlack += 1 }
                let text = try sd.sddl()
                let back = try SecurityDescriptor(sddl: text)
                let same = back.bytes == Self.sddlCarried(sd).bytes
                #expect(same, "\(where_): \(text)")
                #expect(try back.sddl() == text)
            }
        }
        // A census of the corpus found 2,869 sk cells, 2,553 distinct descriptors, 298 ACLs with
        // bytes after their last ACE.
        #expect(total >= 2800 && distinct.count >= 2500 && withSlack > 0, "\(total) \(distinct.count) \(withSlack)")
    }

    @Test func ntuserRootDescriptorAsSDDL() throws {
        let hive = try Hive(path: SharedCorpus.path("regipy/NTUSER.DAT"))
        let sd = try SecurityDescriptor(bytes: Array(hive.security(of: hive.rootKey()).descriptor))
        let text = try sd.sddl()
        // The user's own hive: owned by Administrators or the user, full control for SYSTEM.
        #expect(text.contains("(A;") && text.contains(";KA;;;SY)"), "\(text)")
        #expect(sd.owner != nil && sd.control.contains(.daclPresent))
    }
}

/// The root security of hives HiveEditor creates is the SDDL its documentation states.
@Test func defaultRootSecurityIsTheDocumentedSDDL() throws {
    let sd = try SecurityDescriptor(bytes: HiveEditor.defaultRootSecurity)
    #expect(try sd.sddl() == "O:BAG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)")
    #expect(try SecurityDescriptor(sddl: "O:BAG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)").bytes == HiveEditor.defaultRootSecurity)
}
