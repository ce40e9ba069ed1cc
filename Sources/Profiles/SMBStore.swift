import Foundation
import HiveFormat

/// A RoamingStore on an SMB share (a Windows file server, Samba), through libsmbclient loaded at
/// run time. Configured as `smb://host[:port]/share/path` with a credentials file; laid out as
/// the directory store: `<path>/<user>.V6/NTUSER.DAT`, its lock `NTUSER.DAT.lock` beside it.
///
/// Replacing NTUSER.DAT: libsmbclient's rename over an existing file deletes the target first,
/// so a rename alone could leave the share without a copy. An upload therefore writes
/// `NTUSER.DAT.upload` completely, moves the old copy to `NTUSER.DAT.previous`, moves the new one
/// into place, and only then drops the previous one. A reader finding NTUSER.DAT missing (the
/// steps cut short) takes the newest *complete* hive of the other two (docs/profiles.md).
public struct SMBStore: RoamingStore {
    /// `smb://host[:port]/share/path`, without a trailing slash.
    public let url: String
    let connection: SMBConnection

    /// Checks the URL and loads libsmbclient; nothing talks to the server yet.
    public init(url: String, credentials: SMBCredentials, timeout: Duration = .seconds(20)) throws(SMBError) {
        self.url = try Self.validated(url)
        connection = try SMBConnection(credentials: credentials, timeout: timeout)
    }

    /// `smb://host[:port]/share[/path…]`: a host and a share are required.
    static func validated(_ url: String) throws(SMBError) -> String {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        guard u.lowercased().hasPrefix("smb://") else { throw .configuration("an SMB store is smb://host[:port]/share/path, not \(url)") }
        let parts = u.dropFirst(6).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts.contains(where: \.isEmpty) else {
            throw .configuration("\(url) names no share: an SMB store is smb://host[:port]/share/path")
        }
        return u
    }

    func directory(_ user: String) -> String {
        let name = user.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;?#%"))) ?? user
        return "\(url)/\(name).V6"
    }
    func file(_ user: String, _ suffix: String = "") -> String { "\(directory(user))/NTUSER.DAT\(suffix)" }

    public func location(of user: String) -> String { file(user) }

    /// The store's copy: NTUSER.DAT, or — when an upload was cut short between its renames —
    /// the newest complete one of NTUSER.DAT.upload and NTUSER.DAT.previous.
    func current(_ user: String) throws -> (bytes: [UInt8], lastWritten: Date)? {
        if let bytes = try connection.read(file(user)), let info = try connection.stat(file(user)) {
            return (bytes, info.lastWritten)
        }
        var best: (bytes: [UInt8], lastWritten: Date)?
        for suffix in [".upload", ".previous"] {
            guard let bytes = try connection.read(file(user, suffix)), Self.isCompleteHive(bytes),
                  let info = try connection.stat(file(user, suffix)) else { continue }
            if best.map({ info.lastWritten > $0.lastWritten }) ?? true { best = (bytes, info.lastWritten) }
        }
        return best
    }

    /// A hive whose every byte arrived: its base block is intact and the file holds all the bins
    /// it announces.
    static func isCompleteHive(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= BaseBlock.size,
              let base = bytes.withUnsafeBytes({ try? BaseBlock(bytes: $0) }) else { return false }
        return base.storedChecksum == base.computedChecksum && bytes.count >= BaseBlock.size + Int(base.hiveBinsDataSize)
    }

    public func copy(of user: String) throws -> RoamingCopy? {
        guard let c = try current(user) else { return nil }
        return RoamingCopy(lastWritten: c.lastWritten, size: c.bytes.count, hash: fnv1a(c.bytes))
    }

    /// One stat when NTUSER.DAT is there; otherwise the half-done replace's choice (a read).
    public func stamp(of user: String) throws -> RoamingStamp? {
        if let info = try connection.stat(file(user)) { return RoamingStamp(lastWritten: info.lastWritten, size: info.size) }
        return try current(user).map { RoamingStamp(lastWritten: $0.lastWritten, size: $0.bytes.count) }
    }

    public func download(_ user: String, to local: URL) throws {
        guard let c = try current(user) else { throw SMBError.operation(what: "download", url: file(user), errno: ENOENT) }
        try atomicWrite(Data(c.bytes), lastWritten: c.lastWritten, to: local)
    }

    public func upload(_ user: String, from local: URL) throws {
        // Mapped, not copied: the bytes go from the page cache straight to libsmbclient (twice
        // as fast for an 11.8 MB hive). Safe: only the daemon writes the local hive, and it
        // uploads it only once its hives are unloaded.
        let data = try Data(contentsOf: local, options: .alwaysMapped)
        let time = try lastWriteTime(local)
        let target = file(user), incoming = file(user, ".upload"), previous = file(user, ".previous")
        try connection.makeDirectory(directory(user))
        try data.withUnsafeBytes { bytes throws in try connection.write(incoming, bytes) }
        try connection.setLastWritten(incoming, time)
        // The old copy stays on the share (as .previous) until the new one is NTUSER.DAT.
        if try connection.stat(target) != nil {
            try connection.unlink(previous)
            try connection.rename(target, to: previous)
        }
        try connection.rename(incoming, to: target)
        try connection.unlink(previous)
    }

    /// `NTUSER.DAT.lock`, created exclusively on the server (two machines cannot both create it);
    /// its content as in the directory store.
    public func lock(_ user: String, owner: String, now: Date, expires: Date) throws {
        let lockFile = file(user, ".lock")
        try connection.makeDirectory(directory(user))
        for _ in 0..<2 {
            do {
                try connection.write(lockFile, StoreLockText.make(owner: owner, expires: expires), exclusive: true)
                return
            } catch {
                guard case .operation(_, _, EEXIST) = error else { throw error }
            }
            try StoreLockText.checkTakeOver(try connection.read(lockFile) ?? [], by: owner, now: now)
            try connection.unlink(lockFile)  // stale (its owner crashed or hung) or our own: take it over
        }
        throw SMBError.unexpected(what: "the lock kept coming back:", url: lockFile)
    }

    public func unlock(_ user: String, owner: String) {
        let lockFile = file(user, ".lock")
        guard let bytes = try? connection.read(lockFile), StoreLockText.holder(bytes).owner == owner else { return }
        _ = try? connection.unlink(lockFile)
    }
}
