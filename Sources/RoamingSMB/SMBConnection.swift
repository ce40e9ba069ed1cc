#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Locking

/// One libsmbclient context with its credentials: file operations on `smb://` URLs. A context
/// is not thread-safe, so every call holds the connection's lock; libsmbclient keeps the server
/// connection between calls and makes a new one when the old one broke (a restarted smbd).
/// Calls block (up to `timeout` when the server does not answer).
final class SMBConnection: @unchecked Sendable {  // the context and credentials are used only under `lock`
    private let library: SMBClientLibrary
    private let context: OpaquePointer
    /// The credentials as C strings for the auth callback, which gets them through the context's
    /// user data (a C function pointer captures nothing).
    private let credentials: UnsafeMutablePointer<CredentialStrings>
    private let lock = Locked(())

    struct CredentialStrings {
        var username: UnsafeMutablePointer<CChar>
        var password: UnsafeMutablePointer<CChar>
        var domain: UnsafeMutablePointer<CChar>
    }

    init(credentials c: SMBCredentials, timeout: Duration) throws(SMBError) {
        library = try SMBClientLibrary.shared.get()
        guard let context = library.newContext() else { throw .libraryMissing("libsmbclient could not make a context") }
        credentials = .allocate(capacity: 1)
        credentials.initialize(to: CredentialStrings(username: strdup(c.username), password: strdup(c.password), domain: strdup(c.domain)))
        library.setUserData(context, UnsafeMutableRawPointer(credentials))
        library.setAuthFunction(context, smbAuthenticate)
        // A refused password must fail, not fall back to an anonymous session.
        library.setNoAutoAnonymousLogin(context, 1)
        library.setTimeout(context, Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        guard library.initContext(context) != nil else {
            let code = errno
            _ = library.freeContext(context, 1)
            Self.free(credentials)
            throw .libraryMissing("libsmbclient could not start (\(String(cString: strerror(code))))")
        }
        self.context = context
    }

    deinit {
        _ = library.freeContext(context, 1)
        Self.free(credentials)
    }

    private static func free(_ p: UnsafeMutablePointer<CredentialStrings>) {
        Glibc.free(p.pointee.username)
        Glibc.free(p.pointee.password)
        Glibc.free(p.pointee.domain)
        p.deinitialize(count: 1)
        p.deallocate()
    }

    /// Runs `body` under the lock; a negative result becomes an error naming `what` and `url`.
    /// A path operation (not a read or write on an open file). libsmbclient reports a cached
    /// connection that broke (smbd restarted) once, dropping it; the retry connects anew. A
    /// sharing violation (EBUSY) is the file still open on a connection that is going away (a
    /// killed uploader's, whose smbd has not yet noticed): retried for up to `sharingRetries`
    /// tenths of a second.
    private func call(_ what: String, _ url: String, _ body: () -> Int) throws(SMBError) -> Int {
        var (result, code) = locked(body)
        if result < 0 && SMBError.brokenConnection.contains(code) { (result, code) = locked(body) }
        var tries = 0
        while result < 0 && code == EBUSY && tries < Self.sharingRetries {
            usleep(100_000)
            tries += 1
            (result, code) = locked(body)
        }
        guard result >= 0 else { throw .operation(what: what, url: url, errno: code) }
        return result
    }

    static let sharingRetries = 30

    /// smbc_close, once: libsmbclient frees the file even when the server's answer is an error,
    /// so a second try only meets EINVAL ("not one of this context's files") and hides why the
    /// first failed.
    private func closeReporting(_ file: OpaquePointer, _ url: String) throws(SMBError) {
        let f = function(library.getClose, as: SMBClientLibrary.Close.self)
        let (result, code) = locked { Int(f(context, file)) }
        guard result >= 0 else { throw .operation(what: "close", url: url, errno: code) }
    }

    /// `body`'s result under the lock, with errno (EIO when libsmbclient failed without one).
    private func locked(_ body: () -> Int) -> (Int, Int32) {
        lock.withLock { _ in
            errno = 0
            let r = body()
            return (r, r < 0 && errno == 0 ? EIO : errno)
        }
    }

    private func function<T>(_ getter: SMBClientLibrary.GetFunction, as: T.Type) -> T {
        unsafeBitCast(getter(context)!, to: T.self)
    }

    /// Size and last-write time, or nil when there is no such file.
    func stat(_ url: String) throws(SMBError) -> (size: Int, lastWritten: Date)? {
        let f = function(library.getStat, as: SMBClientLibrary.Stat.self)
        var info = Glibc.stat()
        do {
            _ = try call("read the attributes of", url) { Int(f(context, url, &info)) }
        } catch {
            if case .operation(_, _, ENOENT) = error { return nil }
            throw error
        }
        let t = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        return (Int(info.st_size), Date(timeInterval: t, since: Date(timeIntervalSince1970: 0)))
    }

    /// The whole file, or nil when there is none.
    func read(_ url: String) throws(SMBError) -> [UInt8]? {
        let open = function(library.getOpen, as: SMBClientLibrary.Open.self)
        let read = function(library.getRead, as: SMBClientLibrary.Read.self)
        var file: OpaquePointer?
        do {
            _ = try call("open", url) {
                file = open(context, url, O_RDONLY, 0)
                return file == nil ? -1 : 0
            }
        } catch {
            if case .operation(_, _, ENOENT) = error { return nil }
            throw error
        }
        defer { close(file!) }
        var bytes: [UInt8] = []
        // Small files (a lock) read in one small request; big ones in growing chunks.
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let (n, code) = chunk.withUnsafeMutableBytes { buffer in
                locked { read(context, file!, buffer.baseAddress!, buffer.count) }
            }
            guard n >= 0 else { throw .operation(what: "read", url: url, errno: code) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if n == chunk.count && chunk.count < Self.chunkSize { chunk = [UInt8](repeating: 0, count: chunk.count * 4) }
        }
        return bytes
    }

    /// Writes `bytes` as the file's whole content: replacing one that exists, or — `exclusive` —
    /// failing with EEXIST when there is one (the server decides, so two machines cannot both
    /// create it).
    func write(_ url: String, _ bytes: [UInt8], exclusive: Bool = false) throws(SMBError) {
        let (result, error): (Void?, SMBError?) = bytes.withUnsafeBytes { buffer in
            do throws(SMBError) {
                return (try write(url, buffer, exclusive: exclusive), nil)
            } catch {
                return (nil, error)
            }
        }
        if let error { throw error }
        _ = result
    }

    func write(_ url: String, _ bytes: UnsafeRawBufferPointer, exclusive: Bool = false) throws(SMBError) {
        let open = function(library.getOpen, as: SMBClientLibrary.Open.self)
        let write = function(library.getWrite, as: SMBClientLibrary.Write.self)
        var file: OpaquePointer?
        _ = try call("create", url) {
            file = open(context, url, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), 0o644)
            return file == nil ? -1 : 0
        }
        guard let file else { throw .unexpected(what: "libsmbclient opened no file for", url: url) }
        do throws(SMBError) {
            var offset = 0
            while offset < bytes.count {
                let n = min(Self.chunkSize, bytes.count - offset)
                let (written, code) = locked { write(context, file, bytes.baseAddress! + offset, n) }
                guard written > 0 else {
                    close(file)
                    throw written < 0 ? SMBError.operation(what: "write", url: url, errno: code)
                        : SMBError.unexpected(what: "the server accepted nothing written to", url: url)
                }
                offset += written
            }
            // Closing is where the server reports a write it could not keep.
            try closeReporting(file, url)
        } catch {
            // A file this call created (O_EXCL: nobody else's) and could not fill is removed, best
            // effort: left half-written, a store lock file would read as "being written" and
            // block every taker for a whole lease (smbd under load has answered a close with
            // EINVAL).
            if exclusive { _ = try? unlink(url) }
            throw error
        }
    }

    /// Writes `bytes` over the start of an existing file, in one request, never creating it;
    /// false when there is no such file.
    func overwrite(_ url: String, _ bytes: [UInt8]) throws(SMBError) -> Bool {
        let open = function(library.getOpen, as: SMBClientLibrary.Open.self)
        let write = function(library.getWrite, as: SMBClientLibrary.Write.self)
        var file: OpaquePointer?
        do {
            _ = try call("open", url) {
                file = open(context, url, O_WRONLY, 0)
                return file == nil ? -1 : 0
            }
        } catch {
            if case .operation(_, _, ENOENT) = error { return false }
            throw error
        }
        let (written, code) = bytes.withUnsafeBytes { b in locked { write(context, file!, b.baseAddress!, b.count) } }
        guard written == bytes.count else {
            close(file!)
            throw written < 0 ? .operation(what: "write", url: url, errno: code)
                : .unexpected(what: "the server took part of a write to", url: url)
        }
        try closeReporting(file!, url)
        return true
    }

    /// The names of the files in a directory.
    func list(_ url: String) throws(SMBError) -> [String] {
        let opendir = function(library.getOpendir, as: SMBClientLibrary.Opendir.self)
        let readdir = function(library.getReaddir, as: SMBClientLibrary.Readdir.self)
        let closedir = function(library.getClosedir, as: SMBClientLibrary.Closedir.self)
        var dir: OpaquePointer?
        _ = try call("list", url) {
            dir = opendir(context, url)
            return dir == nil ? -1 : 0
        }
        return lock.withLock { _ in
            defer { _ = closedir(context, dir!) }
            var names: [String] = []
            while let entry = readdir(context, dir!) {
                guard entry.load(as: UInt32.self) == SMBClientLibrary.direntFile else { continue }
                names.append(String(cString: (entry + SMBClientLibrary.direntNameOffset).assumingMemoryBound(to: CChar.self)))
            }
            return names
        }
    }

    private func close(_ file: OpaquePointer) {
        let f = function(library.getClose, as: SMBClientLibrary.Close.self)
        _ = lock.withLock { _ in f(context, file) }
    }

    /// Removes a file; true when it was there.
    @discardableResult
    func unlink(_ url: String) throws(SMBError) -> Bool {
        let f = function(library.getUnlink, as: SMBClientLibrary.Unlink.self)
        do {
            _ = try call("delete", url) { Int(f(context, url)) }
            return true
        } catch {
            if case .operation(_, _, ENOENT) = error { return false }
            throw error
        }
    }

    /// Renames within the share. Over an existing target libsmbclient deletes the target first:
    /// not atomic (SMBStore.upload works around it).
    func rename(_ from: String, to target: String) throws(SMBError) {
        let f = function(library.getRename, as: SMBClientLibrary.Rename.self)
        _ = try call("rename \(from) to", target) { Int(f(context, from, context, target)) }
    }

    /// Creates a directory and the missing ones above it (below the share); one that exists
    /// is fine.
    func makeDirectory(_ url: String) throws(SMBError) {
        let f = function(library.getMkdir, as: SMBClientLibrary.Mkdir.self)
        do {
            _ = try call("create the directory", url) { Int(f(context, url, 0o755)) }
        } catch {
            switch error {
            case .operation(_, _, EEXIST):
                return
            case .operation(_, _, ENOENT):
                // smb://host/share/a/b: a parent to make first, unless it is the share itself.
                guard let slash = url.lastIndex(of: "/"), url[..<slash].dropFirst(6).split(separator: "/").count > 2 else { throw error }
                try makeDirectory(String(url[..<slash]))
                do {
                    _ = try call("create the directory", url) { Int(f(context, url, 0o755)) }
                } catch {
                    // Another machine made it meanwhile (two first logoffs at once): fine.
                    guard case .operation(_, _, EEXIST) = error else { throw error }
                }
            default:
                throw error
            }
        }
    }

    /// Sets the file's last-write (and access) time.
    func setLastWritten(_ url: String, _ time: Date) throws(SMBError) {
        let f = function(library.getUtimes, as: SMBClientLibrary.Utimes.self)
        let seconds = time.timeIntervalSince1970.rounded(.down)
        let micro = Int((time.timeIntervalSince1970 - seconds) * 1e6)
        var times = [timeval(tv_sec: Int(seconds), tv_usec: micro), timeval(tv_sec: Int(seconds), tv_usec: micro)]
        _ = try call("set the last-write time of", url) { Int(f(context, url, &times)) }
    }

    /// Samba offers SMB3 reads and writes of up to 8 MiB per request; libsmbclient splits what
    /// a server will not take, so this only bounds our buffer. (1 MiB chunks made an 11.8 MB
    /// upload measurably slower: scripts/bench-smb.)
    static let chunkSize = 8 << 20
}

/// libsmbclient's auth callback: copies the credentials the context carries into its buffers.
private let smbAuthenticate: SMBClientLibrary.AuthFunction = { context, _, _, workgroup, workgroupLength, user, userLength, password, passwordLength in
    guard let context, let library = try? SMBClientLibrary.shared.get(),
          let data = library.getUserData(context) else { return }
    let c = data.assumingMemoryBound(to: SMBConnection.CredentialStrings.self).pointee
    func put(_ source: UnsafeMutablePointer<CChar>, _ target: UnsafeMutablePointer<CChar>?, _ length: Int32) {
        guard let target, length > 0 else { return }
        strncpy(target, source, Int(length) - 1)
        target[Int(length) - 1] = 0
    }
    if c.domain.pointee != 0 { put(c.domain, workgroup, workgroupLength) }
    put(c.username, user, userLength)
    put(c.password, password, passwordLength)
}
