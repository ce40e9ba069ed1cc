import Registry

extension ProfileService {
    /// HKCU\Software\Classes shows the user's _Classes hive (windows-semantics.md §5 [PK, RH]):
    /// NTUSER.DAT stores no Software\Classes — none of the corpus's do — so at each load a
    /// volatile symbolic link is made there, pointing at \REGISTRY\USER\<SID>_Classes. It
    /// vanishes with the hive, so it never reaches the file or the roaming copy. A hive that
    /// stores a Software\Classes of its own keeps it (we do not delete a user's keys); HKCR then
    /// merges that key, as before. docs/profiles.md, "The user's Classes".
    func linkUserClasses(_ profile: Loaded) throws(Win32Error) {
        try machine.registry.makeVolatileLink(.users, "\(profile.account.sid)\\Software\\Classes", to: profile.classesPath, as: setUpCaller)
    }
}
