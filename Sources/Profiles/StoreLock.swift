import Foundation

/// A held store lock: its generation (the number in its file's name), the token written in
/// that file, and until when it is good. Its holder checks it before every write to the store
/// and renews it while it works (docs/roaming.md).
public struct StoreLease: Sendable, Hashable {
    public let owner: String
    public let generation: UInt64
    /// Random per acquisition: tells this holding apart from any other of the same owner.
    public let token: UInt64
    public internal(set) var expires: Date
    /// How long each renewal makes it good for.
    public let lifetime: TimeInterval

    /// A holder writes nothing with less than this left of its lease: a step started within
    /// the lease ends before a taker can judge it expired (clocks agreeing to well within it).
    public var margin: TimeInterval { lifetime / 4 }
}

/// Another machine holds a user's store lock.
public struct StoreLocked: Error, CustomStringConvertible {
    public let owner: String
    public let expires: Date
    public var description: String { "the roaming store is locked by \(owner) until \(expires)" }
}

/// A holder's lease is no longer its own (it ran out, or another machine took the lock over
/// after it expired): it must write nothing more to the store.
public struct LeaseLost: Error, CustomStringConvertible {
    public let lease: StoreLease
    public let reason: String
    public var description: String {
        "the store lock (generation \(lease.generation), held by \(lease.owner)) was lost: \(reason); nothing was written over the newer holder"
    }
}

/// The files of one user's lock, in the user's store directory: what the protocol needs of a
/// file system (a local directory or an SMB share).
public protocol StoreLockFiles: Sendable {
    /// Every file name in the directory.
    func names() throws -> [String]
    /// The file's content, or nil when there is none.
    func read(_ name: String) throws -> [UInt8]?
    /// The file's last-write time (the file server's clock), or nil when there is none.
    func lastWritten(_ name: String) throws -> Date?
    /// Creates the file exclusively (O_EXCL: the file server decides, so two machines cannot
    /// both create it) with `bytes`; false when it already exists.
    func create(_ name: String, _ bytes: [UInt8]) throws -> Bool
    /// Writes `bytes` over the start of an existing file (never creating it); false when it is
    /// gone.
    func overwrite(_ name: String, _ bytes: [UInt8]) throws -> Bool
    /// Removes the file; one already gone is fine.
    func remove(_ name: String) throws
    /// Makes the directory, and those above it, when missing (the user's first upload).
    func makeDirectory() throws
}

/// The store lock protocol (docs/roaming.md, with the argument that it holds): lock files
/// `NTUSER.DAT.lock.<generation>`; the highest generation is the lock. Taking it means
/// exclusively creating the next generation's file after reading the highest one as released
/// or expired — two takers of the same stale lock race for one name and the server admits
/// one — then listing again: a newer generation means this taker's view was stale and it lost.
/// Nothing ever removes or rewrites the highest file but its own holder, so a takeover can
/// never hit a newer lock.
public struct StoreLock {
    public let files: any StoreLockFiles
    public init(files: any StoreLockFiles) { self.files = files }

    static var prefix: String { "NTUSER.DAT.lock." }
    static func name(_ generation: UInt64) -> String { "\(prefix)\(generation)" }

    /// The generations present, lowest first.
    func generations() throws -> [UInt64] {
        try files.names().compactMap { n -> UInt64? in
            guard n.hasPrefix(Self.prefix) else { return nil }
            let digits = n.dropFirst(Self.prefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
            return UInt64(digits)
        }.sorted()
    }

    /// Takes the lock for `owner` for `lifetime` seconds from `now`; throws `StoreLocked` while
    /// another holds it.
    public func take(owner: String, now: Date, lifetime: TimeInterval) throws -> StoreLease {
        try files.makeDirectory()
        for _ in 0..<16 {
            let present = try generations()
            var next: UInt64 = 1
            if let top = present.last {
                try judge(top, by: owner, now: now, lifetime: lifetime)
                next = top + 1
            }
            let lease = StoreLease(owner: owner, generation: next, token: UInt64.random(in: 1...UInt64.max),
                                   expires: now.addingTimeInterval(lifetime), lifetime: lifetime)
            // Another taker made it first: look again (its lock is live, or being written).
            guard try files.create(Self.name(next), StoreLockText.make(lease, held: true)) else { continue }
            let after = try generations()
            if let newest = after.last, newest > next {
                // What we read was already superseded (files below the newest are cleared away,
                // so ours was a name freed by that): we hold nothing.
                try? files.remove(Self.name(next))
                continue
            }
            for g in after where g < next { try? files.remove(Self.name(g)) }
            return lease
        }
        throw StoreLockBusy()
    }

    /// Returns when generation `g`'s lock may be taken over (released, expired, `owner`'s own,
    /// or unreadable and older than a lifetime); throws `StoreLocked` otherwise.
    func judge(_ g: UInt64, by owner: String, now: Date, lifetime: TimeInterval) throws {
        let name = Self.name(g)
        guard let bytes = try files.read(name) else { return }  // removed meanwhile: the next create decides
        if let holder = StoreLockText.parse(bytes) {
            guard holder.held, holder.owner != owner, holder.expires > now else { return }
            throw StoreLocked(owner: holder.owner, expires: holder.expires)
        }
        // Empty or half-written (its creator is writing it, or died doing so): judged by its age.
        guard let written = try files.lastWritten(name) else { return }
        let until = written.addingTimeInterval(lifetime)
        guard until > now else { return }
        throw StoreLocked(owner: "a machine still writing its lock file", expires: until)
    }

    /// Checks that `lease` is still the lock and has more than its margin left: before every
    /// write to the store.
    public func check(_ lease: StoreLease, now: Date) throws {
        guard now < lease.expires.addingTimeInterval(-lease.margin) else {
            throw LeaseLost(lease: lease, reason: "its lease ends at \(lease.expires), too close to \(now) to write safely")
        }
        guard let bytes = try files.read(Self.name(lease.generation)) else {
            throw LeaseLost(lease: lease, reason: "its lock file is gone (a newer holder cleared it)")
        }
        guard let holder = StoreLockText.parse(bytes), holder.token == lease.token, holder.held else {
            throw LeaseLost(lease: lease, reason: "its lock file no longer holds its token")
        }
        try checkNewest(lease)
    }

    func checkNewest(_ lease: StoreLease) throws {
        if let newest = try generations().last, newest != lease.generation {
            throw LeaseLost(lease: lease, reason: "generation \(newest) took the lock over")
        }
    }

    /// Extends `lease` to `lifetime` from `now`, in place; only before it comes within its
    /// margin of expiring (a lease let lapse may already have been taken over).
    public func renew(_ lease: StoreLease, now: Date) throws -> StoreLease {
        guard now < lease.expires.addingTimeInterval(-lease.margin) else {
            throw LeaseLost(lease: lease, reason: "it was not renewed in time (it ends at \(lease.expires))")
        }
        var renewed = lease
        renewed.expires = now.addingTimeInterval(lease.lifetime)
        guard try files.overwrite(Self.name(lease.generation), StoreLockText.make(renewed, held: true)) else {
            throw LeaseLost(lease: lease, reason: "its lock file is gone (a newer holder cleared it)")
        }
        try checkNewest(lease)
        return renewed
    }

    /// Marks `lease`'s lock released (its file stays: the highest generation is never removed);
    /// nothing when it is no longer the holder's.
    public func release(_ lease: StoreLease) {
        guard let bytes = try? files.read(Self.name(lease.generation)), let holder = StoreLockText.parse(bytes),
              holder.token == lease.token, (try? checkNewest(lease)) != nil else { return }
        _ = try? files.overwrite(Self.name(lease.generation), StoreLockText.make(lease, held: false))
    }
}

/// The lock kept changing under a taker (more takers than it could outwait): try later.
public struct StoreLockBusy: Error, CustomStringConvertible {
    public var description: String { "the roaming store's lock kept changing hands while it was being taken; try again" }
}

/// A lock file's content, of fixed width for a given holder (renewals and the release rewrite
/// it in place and never leave it shorter):
/// "owner\nexpiry (ms since 1970, 15 digits)\nheld|free\ntoken (16 hex)\nchecksum (16 hex)\n".
/// The checksum (FNV-1a of the lines before it) tells a half-written file from a whole one.
enum StoreLockText {
    struct Holder: Equatable {
        var owner: String
        var expires: Date
        var held: Bool
        var token: UInt64
    }

    static func make(_ lease: StoreLease, held: Bool) -> [UInt8] {
        let owner = lease.owner.replacingOccurrences(of: "\n", with: " ")
        let ms = max(0, Int64((lease.expires.timeIntervalSince1970 * 1000).rounded(.down)))
        let body = "\(owner)\n\(pad(String(ms), 15, "0"))\n\(held ? "held" : "free")\n\(pad(String(lease.token, radix: 16), 16, "0"))\n"
        return Array((body + pad(String(fnv1a(Array(body.utf8)), radix: 16), 16, "0") + "\n").utf8)
    }

    static func parse(_ bytes: [UInt8]) -> Holder? {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 6, lines[5].isEmpty else { return nil }
        let body = lines[0..<4].joined(separator: "\n") + "\n"
        guard let sum = UInt64(lines[4], radix: 16), sum == fnv1a(Array(body.utf8)),
              let ms = Int64(lines[1]), let token = UInt64(lines[3], radix: 16), lines[2] == "held" || lines[2] == "free"
        else { return nil }
        return Holder(owner: String(lines[0]), expires: Date(timeIntervalSince1970: Double(ms) / 1000), held: lines[2] == "held",
                      token: token)
    }

    static func pad(_ s: String, _ width: Int, _ fill: Character) -> String {
        s.count >= width ? s : String(repeating: fill, count: width - s.count) + s
    }
}
