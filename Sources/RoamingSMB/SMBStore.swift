import Foundation
import HiveFormat
import Profiles

/// A RoamingStore on an SMB share (a Windows file server, Samba), through libsmbclient loaded at
/// run time. Configured as `smb://host[:port]/share/path` with a credentials file; laid out as
/// the directory store: `<path>/<user>.V6/NTUSER.DAT`, its lock files `NTUSER.DAT.lock.<n>`
/// beside it (docs/roaming.md).
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

    // libsmbclient blocks: every call below runs on a thread of its own (`BlockingWork`).

    public func copy(of user: String) async throws -> RoamingCopy? {
        try await BlockingWork.run("smb copy \(user)") {
            guard let c = try current(user) else { return nil }
            return RoamingCopy(lastWritten: c.lastWritten, size: c.bytes.count, hash: fnv1a(c.bytes))
        }
    }

    /// One stat when NTUSER.DAT is there; otherwise the half-done replace's choice (a read).
    public func stamp(of user: String) async throws -> RoamingStamp? {
        try await BlockingWork.run("smb stamp \(user)") {
            if let info = try connection.stat(file(user)) { return RoamingStamp(lastWritten: info.lastWritten, size: info.size) }
            return try current(user).map { RoamingStamp(lastWritten: $0.lastWritten, size: $0.bytes.count) }
        }
    }

    public func download(_ user: String, to local: URL) async throws {
        try await BlockingWork.run("smb download \(user)") {
            guard let c = try current(user) else { throw SMBError.operation(what: "download", url: file(user), errno: ENOENT) }
            try atomicWrite(Data(c.bytes), lastWritten: c.lastWritten, to: local)
        }
    }

    public func upload(_ user: String, from local: URL, beforeReplace: @escaping @Sendable () async throws -> Void) async throws {
        let target = file(user), incoming = file(user, ".upload"), previous = file(user, ".previous")
        let dir = directory(user)
        // Mapped, not copied: the bytes go from the page cache straight to libsmbclient (twice
        // as fast for an 11.8 MB hive). Safe: only the daemon writes the local hive, and it
        // uploads it only once its hives are unloaded.
        let (data, time) = try await run(user) { () throws -> (Data, Date) in
            let data = try Data(contentsOf: local, options: .alwaysMapped)
            let time = try lastWriteTime(local)
            try connection.makeDirectory(dir)
            return (data, time)
        }
        // Staged under a name of its own: a holder that lost its lease while writing can never
        // write into the file a newer holder renames into place. Left by a killed uploader:
        // cleared by the next one (under a checked lease: never a newer holder's).
        try await beforeReplace()
        try await run(user) {
            for name in try connection.list(dir) where name.hasPrefix("NTUSER.DAT.upload.") {
                try connection.unlink("\(dir)/\(name)")
            }
        }
        let staged = file(user, ".upload.\(UUID().uuidString.prefix(8).lowercased())")
        do {
            try await run(user) {
                try data.withUnsafeBytes { bytes throws in try connection.write(staged, bytes) }
                try connection.setLastWritten(staged, time)
            }
            try await beforeReplace()
            try await run(user) { try connection.rename(staged, to: incoming) }
        } catch {
            await BlockingWork.run("smb upload \(user)") { _ = try? connection.unlink(staged) }
            throw error
        }
        // The old copy stays on the share (as .previous) until the new one is NTUSER.DAT.
        if try await run(user, { try connection.stat(target) != nil }) {
            try await beforeReplace()
            try await run(user) {
                try connection.unlink(previous)
                try connection.rename(target, to: previous)
            }
        }
        try await beforeReplace()
        try await run(user) { try connection.rename(incoming, to: target) }
        try await beforeReplace()
        _ = try await run(user) { try connection.unlink(previous) }
    }

    /// One blocking step of an upload, on a thread of its own.
    private func run<T: Sendable>(_ user: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingWork.run("smb upload \(user)", body)
    }

    /// `<path>/<user>.V6/NTUSER.DAT.lock.<generation>` on the share (docs/roaming.md).
    public func lockFiles(_ user: String) throws -> any StoreLockFiles {
        SMBLockFiles(connection: connection, directory: directory(user))
    }
}

/// The store lock's files on the share: O_EXCL creation on the server (SMB2 FILE_CREATE),
/// in-place overwrites in one write request, the server's last-write times.
struct SMBLockFiles: StoreLockFiles {
    let connection: SMBConnection
    let directory: String

    func url(_ name: String) -> String { "\(directory)/\(name)" }
    func names() throws -> [String] { try connection.list(directory) }
    func read(_ name: String) throws -> [UInt8]? { try connection.read(url(name)) }
    func lastWritten(_ name: String) throws -> Date? { try connection.stat(url(name))?.lastWritten }

    func create(_ name: String, _ bytes: [UInt8]) throws -> Bool {
        do {
            try connection.write(url(name), bytes, exclusive: true)
            return true
        } catch {
            if case .operation(_, _, EEXIST) = error { return false }
            throw error
        }
    }

    func overwrite(_ name: String, _ bytes: [UInt8]) throws -> Bool { try connection.overwrite(url(name), bytes) }
    func remove(_ name: String) throws { try connection.unlink(url(name)) }
    func makeDirectory() throws { try connection.makeDirectory(directory) }
}
