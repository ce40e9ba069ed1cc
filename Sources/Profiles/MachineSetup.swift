import Foundation
import HiveFormat
import Registry
import Security

/// Where things live under the state directory (ARCHITECTURE.md "Data on disk").
public struct StateLayout: Sendable {
    public let root: URL
    public init(root: URL) { self.root = root }

    public var machine: URL { root.appendingPathComponent("machine") }
    public var profiles: URL { root.appendingPathComponent("profiles") }
    public var defaultUserHive: URL { profiles.appendingPathComponent("Default").appendingPathComponent("NTUSER.DAT") }
    public func profile(_ user: String) -> URL { profiles.appendingPathComponent(user) }
    public func userHive(_ user: String) -> URL { profile(user).appendingPathComponent("NTUSER.DAT") }
    /// The roaming copy as this machine last fetched or wrote it: the base of a merge, and how a
    /// logoff tells that another machine uploaded since.
    public func roamingBase(_ user: String) -> URL { profile(user).appendingPathComponent("NTUSER.DAT.base") }
    public func classesHive(_ user: String) -> URL { profile(user).appendingPathComponent("UsrClass.dat") }
    /// Where a temporary profile lives while its user is logged on.
    public func temporaryProfile(_ user: String) -> URL { profiles.appendingPathComponent("\(user).TEMP") }
    public var eventLog: URL { root.appendingPathComponent("events.jsonl") }
    /// Logoffs and uploads a crash interrupted (PendingWork).
    public var pendingWork: URL { root.appendingPathComponent("pending") }
}

extension Machine {
    /// First start (and every start): the machine hives SOFTWARE and SYSTEM under HKLM and
    /// HKU\.DEFAULT, created when missing and mounted as system hives, with the boot-time links
    /// (`makeBootKeys`); and the Default User hive new profiles are copied from, created when
    /// missing (not loaded).
    public func setUp(_ layout: StateLayout) throws(ProfileError) {
        do {
            try FileManager.default.createDirectory(at: layout.machine, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: layout.defaultUserHive.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .store("cannot create \(layout.root.path): \(error)")
        }
        do throws(Win32Error) {
            for name in ["SOFTWARE", "SYSTEM"] {
                try registry.mountHive(file: layout.machine.appendingPathComponent(name).path, at: "\\REGISTRY\\MACHINE\\\(name)", system: true)
            }
            try registry.mountHive(file: layout.machine.appendingPathComponent("DEFAULT").path, at: "\\REGISTRY\\USER\\.DEFAULT", system: true)
            try makeBootKeys()
        } catch {
            throw .registry(error)
        }
        if !FileManager.default.fileExists(atPath: layout.defaultUserHive.path) {
            do {
                // What every profile starts from: a root with Software below it.
                let e = try HiveEditor.create(path: layout.defaultUserHive.path)
                try e.createKey(under: e.hive.baseBlock.rootCellOffset, named: "Software")
                try e.flush()
                e.close()
            } catch {
                throw .store("cannot create the Default User hive: \(error)")
            }
        }
    }
}

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
