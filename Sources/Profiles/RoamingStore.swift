import Foundation

/// What a store holds of one user's roaming profile (only the registry hive roams).
public struct RoamingCopy: Sendable, Hashable {
    public var lastWritten: Date
    public var size: Int
    /// A content hash (FNV-1a, 64 bits) of the file, to tell copies apart cheaply.
    public var hash: UInt64

    public init(lastWritten: Date, size: Int, hash: UInt64) {
        self.lastWritten = lastWritten
        self.size = size
        self.hash = hash
    }
}

/// What a store can say of a copy without reading it: its size and last-write time.
public struct RoamingStamp: Sendable, Hashable {
    public var lastWritten: Date
    public var size: Int

    public init(lastWritten: Date, size: Int) {
        self.lastWritten = lastWritten
        self.size = size
    }

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

/// Where roaming profiles live: laid out as Windows does, `<user>.V6/NTUSER.DAT`. Its calls are
/// async: underneath they block (a file system, a network share: an SMB server that does not
/// answer holds a call up to its timeout), so every store does its blocking calls on a thread of
/// its own (`BlockingWork`), never on the caller's executor — the ProfileService actor, Swift's
/// cooperative pool — which goes on with other work while a call waits.
public protocol RoamingStore: Sendable {
    /// The store's copy, if any (reads it whole, for its hash).
    func copy(of user: String) async throws -> RoamingCopy?
    /// The store's copy's size and last-write time, if there is one: cheaper than `copy(of:)`
    /// where the store can tell without reading the file.
    func stamp(of user: String) async throws -> RoamingStamp?
    /// Copies the store's NTUSER.DAT to `local`, keeping its last-write time.
    func download(_ user: String, to local: URL) async throws
    /// Replaces the store's NTUSER.DAT with `local` atomically (never a partial copy visible),
    /// keeping its last-write time. `beforeReplace` runs before each step that changes what
    /// the store holds under its real name (the lock holder's lease check): when it throws,
    /// the store's copy is left as it was.
    func upload(_ user: String, from local: URL, beforeReplace: @escaping @Sendable () async throws -> Void) async throws
    /// Where the user's copy lives, for people (a path, a URL).
    func location(of user: String) -> String
    /// The user's lock files, for the store lock protocol (making the value does no I/O).
    func lockFiles(_ user: String) throws -> any StoreLockFiles
    /// Takes the user's store lock for `owner`, good for `lifetime` seconds from `now` (a lock
    /// released or expired is taken over); throws `StoreLocked` while another holds it.
    func lock(_ user: String, owner: String, now: Date, lifetime: TimeInterval) async throws -> StoreLease
    /// Extends a held lease; throws `LeaseLost` when it is no longer the holder's.
    func renew(_ user: String, _ lease: StoreLease, now: Date) async throws -> StoreLease
    /// Throws `LeaseLost` unless `lease` is still the lock with more than its margin left.
    func check(_ user: String, _ lease: StoreLease, now: Date) async throws
    /// Gives the lock back (only when `lease` still holds it).
    func unlock(_ user: String, _ lease: StoreLease) async
}

extension RoamingStore {
    public func stamp(of user: String) async throws -> RoamingStamp? {
        try await copy(of: user).map { RoamingStamp(lastWritten: $0.lastWritten, size: $0.size) }
    }

    /// An upload with no lease to check (a store nobody else writes).
    public func upload(_ user: String, from local: URL) async throws { try await upload(user, from: local, beforeReplace: {}) }

    // The lock protocol (StoreLock) over the store's lock files, each call on a thread of its own.

    public func lock(_ user: String, owner: String, now: Date, lifetime: TimeInterval) async throws -> StoreLease {
        let files = try lockFiles(user)
        return try await BlockingWork.run("store lock \(user)") { try StoreLock(files: files).take(owner: owner, now: now, lifetime: lifetime) }
    }

    public func renew(_ user: String, _ lease: StoreLease, now: Date) async throws -> StoreLease {
        let files = try lockFiles(user)
        return try await BlockingWork.run("store lease \(user)") { try StoreLock(files: files).renew(lease, now: now) }
    }

    public func check(_ user: String, _ lease: StoreLease, now: Date) async throws {
        let files = try lockFiles(user)
        try await BlockingWork.run("store lease \(user)") { try StoreLock(files: files).check(lease, now: now) }
    }

    public func unlock(_ user: String, _ lease: StoreLease) async {
        guard let files = try? lockFiles(user) else { return }
        await BlockingWork.run("store unlock \(user)") { StoreLock(files: files).release(lease) }
    }
}

/// A RoamingStore on a directory (any mounted share; the embedded default). Each call's file
/// I/O runs on a thread of its own.
public struct DirectoryStore: RoamingStore {
    public let root: URL
    public init(root: URL) { self.root = root }

    func file(_ user: String) -> URL { root.appendingPathComponent("\(user).V6").appendingPathComponent("NTUSER.DAT") }

    public func location(of user: String) -> String { file(user).path }

    public func copy(of user: String) async throws -> RoamingCopy? {
        let f = file(user)
        return try await BlockingWork.run("store copy \(user)") {
            guard FileManager.default.fileExists(atPath: f.path) else { return nil }
            let data = try Data(contentsOf: f)
            return RoamingCopy(lastWritten: try lastWriteTime(f), size: data.count, hash: fnv1a(data))
        }
    }

    public func stamp(of user: String) async throws -> RoamingStamp? {
        let f = file(user)
        return await BlockingWork.run("store stamp \(user)") {
            FileManager.default.fileExists(atPath: f.path) ? RoamingStamp.of(f) : nil
        }
    }

    public func download(_ user: String, to local: URL) async throws {
        let f = file(user)
        try await BlockingWork.run("store download \(user)") { try atomicCopy(from: f, to: local) }
    }

    /// `<user>.V6/NTUSER.DAT.lock.<generation>` (docs/roaming.md).
    public func lockFiles(_ user: String) throws -> any StoreLockFiles {
        DirectoryLockFiles(directory: file(user).deletingLastPathComponent())
    }

    /// The copy staged beside NTUSER.DAT (written, fsynced), the lease checked, then renamed
    /// over it.
    public func upload(_ user: String, from local: URL, beforeReplace: @escaping @Sendable () async throws -> Void) async throws {
        let f = file(user)
        let staged = try await BlockingWork.run("store upload \(user)") { () throws -> StagedWrite in
            try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true)
            return try StagedWrite(copying: local, to: f)
        }
        do {
            try await beforeReplace()
        } catch {
            staged.discard()
            throw error
        }
        try await BlockingWork.run("store upload \(user)") { try staged.commit() }
    }
}

/// Copies `source` over `target` through a temporary file in the target's directory: written,
/// given the source's last-write time, fsynced, renamed over the target, the directory fsynced.
package func atomicCopy(from source: URL, to target: URL, beforeRename: () throws -> Void = {}) throws {
    try atomicWrite(try Data(contentsOf: source), lastWritten: try lastWriteTime(source), to: target, beforeRename: beforeRename)
}

/// Writes `data` as `target` the same way, with `time` as its last-write time; `beforeRename`
/// runs just before the rename (throwing leaves the target as it was).
package func atomicWrite(_ data: Data, lastWritten time: Date, to target: URL, beforeRename: () throws -> Void = {}) throws {
    let staged = try StagedWrite(data, lastWritten: time, to: target)
    do {
        try beforeRename()
    } catch {
        staged.discard()
        throw error
    }
    try staged.commit()
}

/// An atomic replace in two halves, for a caller that checks something in between (an async
/// lease check): the new content written to a temporary file beside the target, fsynced, with
/// its last-write time; then renamed over the target and the directory fsynced — or discarded.
package struct StagedWrite: Sendable {
    let temporary: URL
    let target: URL

    package init(copying source: URL, to target: URL) throws {
        try self.init(try Data(contentsOf: source), lastWritten: try lastWriteTime(source), to: target)
    }

    package init(_ data: Data, lastWritten time: Date, to target: URL) throws {
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
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
        temporary = temp
        self.target = target
    }

    /// Renames the staged file over the target (the temporary file removed if that fails).
    package func commit() throws {
        if rename(temporary.path, target.path) != 0 {
            discard()
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
        }
        let dir = open(target.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    package func discard() { try? FileManager.default.removeItem(at: temporary) }
}

package func lastWriteTime(_ url: URL) throws -> Date {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return attributes[.modificationDate] as? Date ?? .distantPast
}

package func fnv1a(_ data: Data) -> UInt64 { data.withUnsafeBytes(fnv1a) }
package func fnv1a(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes(fnv1a) }

package func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}
