import Foundation
import HiveFormat
import Security

/// A user's hive root, as Windows gives NTUSER.DAT and UsrClass.dat: the user, SYSTEM and
/// Administrators have full control.
func userHiveSecurity(_ sid: SID) -> SecurityDescriptor {
    SecurityDescriptor(owner: sid, group: sid,
                       dacl: ACL([.allow(sid, .keyAllAccess, flags: .containerInherit),
                                  .allow(.localSystem, .keyAllAccess, flags: .containerInherit),
                                  .allow(.administrators, .keyAllAccess, flags: .containerInherit)]),
                       control: [.daclPresent, .daclProtected])
}

/// Gives every key of a hive file `security` (a profile copied from Default User becomes the
/// user's: Windows grants the user full control over their own hive).
func setSecurityEverywhere(of file: URL, to security: SecurityDescriptor) throws {
    let e = try HiveEditor.open(path: file.path)
    defer { e.close() }
    var stack = [e.hive.baseBlock.rootCellOffset]
    while let key = stack.popLast() {
        try e.setSecurity(of: key, to: security.bytes)
        stack += try e.hive.subkeys(of: e.hive.key(at: key)).map(\.offset)
    }
    try e.flush()
}
