import Foundation

/// What a store holds of one user's roaming profile (only the registry hive roams).
public struct RoamingCopy: Sendable, Hashable {
    public var lastWritten: Date
    public var size: Int
    /// A content hash (FNV-1a, 64 bits) of the file, to tell copies apart cheaply.
    public var hash: UInt64
}

/// What a store can say of a copy without reading it: its size and last-write time.
public struct RoamingStamp: Sendable, Hashable {
    public var lastWritten: Date
    public var size: Int

    /// The same copy, as far as a stamp can tell: the same size and last-write time (to the
    /// millisecond: what every store keeps of the time an upload gives it).
    func matches(_ other: RoamingStamp) -> Bool {
        size == other.size && abs(lastWritten.timeIntervalSince(other.lastWritten)) < 0.001
    }

    /// A local file's stamp.
    static func of(_ file: URL) -> RoamingStamp? {
        guard let a = try? FileManager.default.attributesOfItem(atPath: file.path),
              let size = a[.size] as? Int, let time = a[.modificationDate] as? Date else { return nil }
        return RoamingStamp(lastWritten: time, size: size)
    }
}

/// Where roaming profiles live: laid out as Windows does, `<user>.V6/NTUSER.DAT`.
public protocol RoamingStore: Sendable {
    /// The store's copy, if any (reads it whole, for its hash).
    func copy(of user: String) throws -> RoamingCopy?
    /// The store's copy's size and last-write time, if there is one: cheaper than `copy(of:)`
    /// where the store can tell without reading the file.
    func stamp(of user: String) throws -> RoamingStamp?
    /// Copies the store's NTUSER.DAT to `local`, keeping its last-write time.
    func download(_ user: String, to local: URL) throws
    /// Replaces the store's NTUSER.DAT with `local` atomically (never a partial copy visible),
    /// keeping its last-write time.
    func upload(_ user: String, from local: URL) throws
    /// Where the user's copy lives, for people (a path, a URL).
    func location(of user: String) -> String
    /// Takes the user's store lock for `owner` until `expires` (a lock whose expiry passed is
    /// taken over); throws `StoreLocked` while another owner holds it.
    func lock(_ user: String, owner: String, now: Date, expires: Date) throws
    /// Gives the lock back (only `owner`'s).
    func unlock(_ user: String, owner: String)
}

extension RoamingStore {
    public func stamp(of user: String) throws -> RoamingStamp? {
        try copy(of: user).map { RoamingStamp(lastWritten: $0.lastWritten, size: $0.size) }
    }
}

/// Another machine holds a user's store lock.
public struct StoreLocked: Error, CustomStringConvertible {
    public let owner: String
    public let expires: Date
    public var description: String { "the roaming store is locked by \(owner) until \(expires)" }
}

/// A store lock file's content: "owner\nexpiry (seconds since 1970)\n".
enum StoreLockText {
    static func make(owner: String, expires: Date) -> [UInt8] {
        Array("\(owner)\n\(Int(expires.timeIntervalSince1970))\n".utf8)
    }

    static func holder(_ bytes: [UInt8]) -> (owner: String, expires: Date) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        return (lines.first ?? "?", Date(timeIntervalSince1970: TimeInterval(lines.count > 1 ? Int(lines[1]) ?? 0 : 0)))
    }

    /// Returns when `owner` may take over the lock `bytes` describe (it expired — its owner
    /// crashed or hung — or is `owner`'s own); throws `StoreLocked` otherwise.
    static func checkTakeOver(_ bytes: [UInt8], by owner: String, now: Date) throws {
        let (holder, until) = holder(bytes)
        guard until <= now || holder == owner else { throw StoreLocked(owner: holder, expires: until) }
    }
}

/// A RoamingStore on a directory (any mounted share; the embedded default).
public struct DirectoryStore: RoamingStore {
    public let root: URL
    public init(root: URL) { self.root = root }

    func file(_ user: String) -> URL { root.appendingPathComponent("\(user).V6").appendingPathComponent("NTUSER.DAT") }

    public func location(of user: String) -> String { file(user).path }

    public func copy(of user: String) throws -> RoamingCopy? {
        let f = file(user)
        guard FileManager.default.fileExists(atPath: f.path) else { return nil }
        let data = try Data(contentsOf: f)
        return RoamingCopy(lastWritten: try lastWriteTime(f), size: data.count, hash: fnv1a(data))
    }

    public func stamp(of user: String) throws -> RoamingStamp? {
        FileManager.default.fileExists(atPath: file(user).path) ? RoamingStamp.of(file(user)) : nil
    }

    public func download(_ user: String, to local: URL) throws {
        try atomicCopy(from: file(user), to: local)
    }

    /// `<user>.V6/NTUSER.DAT.lock`: "owner\nexpiry (seconds since 1970)\n", created exclusively
    /// (O_EXCL), so two machines cannot both create it.
    func lockFile(_ user: String) -> URL { file(user).deletingLastPathComponent().appendingPathComponent("NTUSER.DAT.lock") }

    public func lock(_ user: String, owner: String, now: Date, expires: Date) throws {
        let f = lockFile(user)
        try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true)
        for _ in 0..<2 {
            let fd = open(f.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let text = StoreLockText.make(owner: owner, expires: expires)
                _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                fsync(fd)
                close(fd)
                return
            }
            guard errno == EEXIST else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: f.path]) }
            try StoreLockText.checkTakeOver(FileManager.default.contents(atPath: f.path).map { [UInt8]($0) } ?? [], by: owner, now: now)
            unlink(f.path)  // stale (its owner crashed or hung) or our own: take it over
        }
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: f.path])
    }

    public func unlock(_ user: String, owner: String) {
        let f = lockFile(user)
        guard let text = FileManager.default.contents(atPath: f.path), StoreLockText.holder([UInt8](text)).owner == owner else { return }
        unlink(f.path)
    }

    public func upload(_ user: String, from local: URL) throws {
        let f = file(user)
        try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true)
        try atomicCopy(from: local, to: f)
    }
}

/// Copies `source` over `target` through a temporary file in the target's directory: written,
/// given the source's last-write time, fsynced, renamed over the target, the directory fsynced.
func atomicCopy(from source: URL, to target: URL) throws {
    try atomicWrite(try Data(contentsOf: source), lastWritten: try lastWriteTime(source), to: target)
}

/// Writes `data` as `target` the same way, with `time` as its last-write time.
func atomicWrite(_ data: Data, lastWritten time: Date, to target: URL) throws {
    let temp = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
    guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temp.path])
    }
    do {
        let h = try FileHandle(forWritingTo: temp)
        try h.write(contentsOf: data)
        try h.synchronize()
        try h.close()
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: temp.path)
        if rename(temp.path, target.path) != 0 { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path]) }
    } catch {
        try? FileManager.default.removeItem(at: temp)
        throw error
    }
    let dir = open(target.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
    if dir >= 0 {
        fsync(dir)
        close(dir)
    }
}

func lastWriteTime(_ url: URL) throws -> Date {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return attributes[.modificationDate] as? Date ?? .distantPast
}

func fnv1a(_ data: Data) -> UInt64 { data.withUnsafeBytes(fnv1a) }
func fnv1a(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes(fnv1a) }

func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}
