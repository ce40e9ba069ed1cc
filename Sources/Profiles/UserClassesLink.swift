import Registry
import Security

extension ProfileService {
    /// HKCU\Software\Classes shows the user's _Classes hive (windows-semantics.md §5 [PK, RH]):
    /// NTUSER.DAT stores no Software\Classes — none of the corpus's do — so at each load a
    /// volatile symbolic link is made there, pointing at \REGISTRY\USER\<SID>_Classes. It
    /// vanishes with the hive, so it never reaches the file or the roaming copy. A hive that
    /// stores a Software\Classes of its own keeps it (we do not delete a user's keys); HKCR then
    /// merges that key, as before. docs/profiles.md, "The user's Classes".
    func linkUserClasses(_ profile: Loaded) throws(Win32Error) {
        let registry = machine.registry
        let me = RegistryCaller(process: ProcessID(0), token: Account.system.token)
        let (software, _) = try registry.createKey(.users, "\(profile.account.sid)\\Software", access: .createSubKey, as: me)
        defer { try? registry.closeKey(software, as: me) }
        if let existing = try? registry.openKey(software, "Classes", access: .queryValue, options: .openLink, as: me) {
            try? registry.closeKey(existing, as: me)
            return
        }
        let (link, _) = try registry.createKey(software, "Classes", options: [.volatile, .createLink], access: .setValue, as: me)
        defer { try? registry.closeKey(link, as: me) }
        let target = profile.classesPath.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        try registry.setValue(link, "SymbolicLinkValue", type: .link, data: target, as: me)
    }
}
