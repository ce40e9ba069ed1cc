import Foundation

/// What a store holds of one user's roaming profile (only the registry hive roams).
public struct RoamingCopy: Sendable, Hashable {
    public var lastWritten: Date
    public var size: Int
    /// A content hash (FNV-1a, 64 bits) of the file, to tell copies apart cheaply.
    public var hash: UInt64
}

/// Where roaming profiles live: laid out as Windows does, `<user>.V6/NTUSER.DAT`.
public protocol RoamingStore: Sendable {
    /// The store's copy, if any.
    func copy(of user: String) throws -> RoamingCopy?
    /// Copies the store's NTUSER.DAT to `local`, keeping its last-write time.
    func download(_ user: String, to local: URL) throws
    /// Replaces the store's NTUSER.DAT with `local` atomically (never a partial copy visible),
    /// keeping its last-write time.
    func upload(_ user: String, from local: URL) throws
    /// Where the user's copy lives, for people (a path, a URL).
    func location(of user: String) -> String
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

    public func download(_ user: String, to local: URL) throws {
        try atomicCopy(from: file(user), to: local)
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
    let data = try Data(contentsOf: source)
    let time = try lastWriteTime(source)
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

func fnv1a(_ data: Data) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}
