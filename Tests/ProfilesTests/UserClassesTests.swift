import Foundation
import HiveFormat
import Profiles
import Registry
import Security
import Testing

/// The user's Classes hive (windows-semantics.md §5: HKU\<SID>_Classes from UsrClass.dat;
/// "HKCU\Software\Classes shows the _Classes hive, and HKCR merges HKCU\Software\Classes over
/// HKLM\Software\Classes" [PK, RH]).
struct UserClassesTests {
    /// At logon HKCU\Software\Classes is a volatile link to the _Classes hive: what the user
    /// writes there lands in UsrClass.dat (never in NTUSER.DAT or the roaming copy), HKCR shows
    /// it over the machine's classes, and the link is made again at the next logon.
    @Test func softwareClassesIsTheClassesHive() async throws {
        let w = try World()
        let registry = w.registry, machine = w.machine
        let sid = w.alice.sid.description
        let session = try await w.profiles.logon(w.alice)
        let app = machine.startProcess("/usr/bin/app", as: w.alice, session: session)
        let me = try machine.caller(app.pid)

        let link = try registry.openKey(.users, sid + "\\Software\\Classes", access: .queryValue, options: .openLink, as: me)
        let target = try registry.queryValue(link, "SymbolicLinkValue", as: me)
        #expect(target.type == .link)
        #expect(target.data == "\\REGISTRY\\USER\\\(sid)_Classes".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        try registry.closeKey(link, as: me)

        let hkcu = try machine.openCurrentUser(app.pid, access: .keyAllAccess)
        let (ext, _) = try registry.createKey(hkcu, "Software\\Classes\\.hkdemo", access: .keyAllAccess, as: me)
        try registry.setValue(ext, "", type: .string, data: Array("hkdemo.file\0".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, as: me)
        try registry.closeKey(ext, as: me)
        let inClassesHive = try registry.openKey(.users, sid + "_Classes\\.hkdemo", access: .keyRead, as: me)
        try registry.closeKey(inClassesHive, as: me)
        let viaHKCR = try registry.openKey(.classesRoot, ".hkdemo", access: .keyRead, as: me)
        #expect(try registry.queryValue(viaHKCR, "", as: me).data.count == 24)
        try registry.closeKey(viaHKCR, as: me)
        try registry.closeKey(hkcu, as: me)
        machine.endProcess(app.pid)

        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.unload == .clean)
        let ntuser = try Hive(bytes: Data(contentsOf: w.dir.appendingPathComponent("roaming/alice.V6/NTUSER.DAT")))
        #expect(try ntuser.subkey(of: ntuser.key(path: "Software"), named: "Classes") == nil, "the link is volatile")
        let usrClass = try Hive(bytes: Data(contentsOf: w.layout.classesHive("alice")))
        #expect(try usrClass.subkey(of: usrClass.rootKey(), named: ".hkdemo") != nil)

        let again = try await w.profiles.logon(w.alice)
        let app2 = machine.startProcess("/usr/bin/app", as: w.alice, session: again)
        let k = try registry.openKey(.users, sid + "\\Software\\Classes\\.hkdemo", access: .keyRead, as: try machine.caller(app2.pid))
        try registry.closeKey(k, as: try machine.caller(app2.pid))
        machine.endProcess(app2.pid)
        _ = try await w.profiles.logoff(session: again)
    }
}
