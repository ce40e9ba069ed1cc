#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// libsmbclient, loaded at run time (dlopen of libsmbclient.so.0) so that building Hivekeeper and
/// running it without an SMB store need no SMB library. Only the context API is used: each
/// `SMBConnection` owns its own SMBCCTX, so nothing shares libsmbclient's process-wide context.
struct SMBClientLibrary: @unchecked Sendable {  // immutable C function pointers from dlsym, callable from any thread
    // The C signatures, from libsmbclient.h; SMBCCTX and SMBCFILE are opaque pointers here.
    typealias NewContext = @convention(c) () -> OpaquePointer?
    typealias InitContext = @convention(c) (OpaquePointer) -> OpaquePointer?
    typealias FreeContext = @convention(c) (OpaquePointer, Int32) -> Int32
    typealias SetInt = @convention(c) (OpaquePointer, Int32) -> Void
    typealias SetPointer = @convention(c) (OpaquePointer, UnsafeMutableRawPointer?) -> Void
    typealias GetPointer = @convention(c) (OpaquePointer) -> UnsafeMutableRawPointer?
    typealias AuthFunction = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                             UnsafeMutablePointer<CChar>?, Int32, UnsafeMutablePointer<CChar>?, Int32,
                                             UnsafeMutablePointer<CChar>?, Int32) -> Void
    typealias SetAuth = @convention(c) (OpaquePointer, AuthFunction) -> Void
    typealias GetFunction = @convention(c) (OpaquePointer) -> UnsafeRawPointer?

    typealias Open = @convention(c) (OpaquePointer, UnsafePointer<CChar>, Int32, mode_t) -> OpaquePointer?
    typealias Read = @convention(c) (OpaquePointer, OpaquePointer, UnsafeMutableRawPointer, Int) -> Int
    typealias Write = @convention(c) (OpaquePointer, OpaquePointer, UnsafeRawPointer, Int) -> Int
    typealias Close = @convention(c) (OpaquePointer, OpaquePointer) -> Int32
    typealias Stat = @convention(c) (OpaquePointer, UnsafePointer<CChar>, UnsafeMutablePointer<stat>) -> Int32
    typealias Unlink = @convention(c) (OpaquePointer, UnsafePointer<CChar>) -> Int32
    typealias Rename = @convention(c) (OpaquePointer, UnsafePointer<CChar>, OpaquePointer, UnsafePointer<CChar>) -> Int32
    typealias Mkdir = @convention(c) (OpaquePointer, UnsafePointer<CChar>, mode_t) -> Int32
    typealias Utimes = @convention(c) (OpaquePointer, UnsafePointer<CChar>, UnsafeMutablePointer<timeval>) -> Int32
    typealias Opendir = @convention(c) (OpaquePointer, UnsafePointer<CChar>) -> OpaquePointer?
    /// Returns a `struct smbc_dirent *`: unsigned smbc_type, dirlen, commentlen; char *comment;
    /// unsigned namelen; char name[] (NUL-terminated), at `direntNameOffset`.
    typealias Readdir = @convention(c) (OpaquePointer, OpaquePointer) -> UnsafeRawPointer?
    typealias Closedir = @convention(c) (OpaquePointer, OpaquePointer) -> Int32

    let newContext: NewContext
    let initContext: InitContext
    let freeContext: FreeContext
    let setTimeout: SetInt
    let setNoAutoAnonymousLogin: SetInt
    let setUserData: SetPointer
    let getUserData: GetPointer
    let setAuthFunction: SetAuth
    // Getters of the context's file operations (smbc_getFunctionOpen and friends).
    let getOpen, getRead, getWrite, getClose, getStat, getUnlink, getRename, getMkdir, getUtimes: GetFunction
    let getOpendir, getReaddir, getClosedir: GetFunction

    /// Where `struct smbc_dirent` keeps `namelen` and `name` (three unsigned ints, then the
    /// comment pointer aligned to 8, then namelen: the layout libsmbclient.h has had since 3.0).
    static let direntNameLengthOffset = 16 + MemoryLayout<UnsafeRawPointer>.size
    static let direntNameOffset = direntNameLengthOffset + 4
    /// smbc_type of a file.
    static let direntFile: UInt32 = 8

    static let soname = "libsmbclient.so.0"

    /// The library, loaded once per process; the error names the package to install.
    static let shared: Result<SMBClientLibrary, SMBError> = {
        do throws(SMBError) {
            return .success(try SMBClientLibrary(soname: soname))
        } catch {
            return .failure(error)
        }
    }()

    init(soname: String) throws(SMBError) {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw .libraryMissing("\(soname) cannot be loaded (\(reason)); install Debian's libsmbclient package (apt-get install libsmbclient)")
        }
        func symbol<T>(_ name: String, as: T.Type) throws(SMBError) -> T {
            guard let p = dlsym(handle, name) else { throw .libraryMissing("\(soname) has no \(name)") }
            return unsafeBitCast(p, to: T.self)
        }
        newContext = try symbol("smbc_new_context", as: NewContext.self)
        initContext = try symbol("smbc_init_context", as: InitContext.self)
        freeContext = try symbol("smbc_free_context", as: FreeContext.self)
        setTimeout = try symbol("smbc_setTimeout", as: SetInt.self)
        setNoAutoAnonymousLogin = try symbol("smbc_setOptionNoAutoAnonymousLogin", as: SetInt.self)
        setUserData = try symbol("smbc_setOptionUserData", as: SetPointer.self)
        getUserData = try symbol("smbc_getOptionUserData", as: GetPointer.self)
        setAuthFunction = try symbol("smbc_setFunctionAuthDataWithContext", as: SetAuth.self)
        getOpen = try symbol("smbc_getFunctionOpen", as: GetFunction.self)
        getRead = try symbol("smbc_getFunctionRead", as: GetFunction.self)
        getWrite = try symbol("smbc_getFunctionWrite", as: GetFunction.self)
        getClose = try symbol("smbc_getFunctionClose", as: GetFunction.self)
        getStat = try symbol("smbc_getFunctionStat", as: GetFunction.self)
        getUnlink = try symbol("smbc_getFunctionUnlink", as: GetFunction.self)
        getRename = try symbol("smbc_getFunctionRename", as: GetFunction.self)
        getMkdir = try symbol("smbc_getFunctionMkdir", as: GetFunction.self)
        getUtimes = try symbol("smbc_getFunctionUtimes", as: GetFunction.self)
        getOpendir = try symbol("smbc_getFunctionOpendir", as: GetFunction.self)
        getReaddir = try symbol("smbc_getFunctionReaddir", as: GetFunction.self)
        getClosedir = try symbol("smbc_getFunctionClosedir", as: GetFunction.self)
    }
}

/// An SMB store's failure, for people: what was being done, where, and why.
public enum SMBError: Error, CustomStringConvertible, Hashable {
    /// libsmbclient is not installed (or too old).
    case libraryMissing(String)
    /// The store's configuration: its URL or credentials file.
    case configuration(String)
    /// An operation the server refused or could not be reached for (errno from libsmbclient).
    case operation(what: String, url: String, errno: Int32)
    /// A file on the share is not what it must be (a short read, a bad lock file).
    case unexpected(what: String, url: String)

    public var description: String {
        switch self {
        case .libraryMissing(let s), .configuration(let s): return s
        case .unexpected(let what, let url): return "\(what) \(url)"
        case .operation(let what, let url, let code):
            let reason: String
            switch code {
            case EACCES, EPERM:
                reason = "access denied: the server refused the credentials or the share's permissions"
            case _ where Self.unreachable.contains(code):
                reason = "the server cannot be reached (\(String(cString: strerror(code))))"
            default:
                reason = String(cString: strerror(code))
            }
            return "cannot \(what) \(url): \(reason)"
        }
    }

    /// The server could not be reached at all (as opposed to refusing what was asked).
    public var isUnreachable: Bool {
        if case .operation(_, _, let code) = self { return Self.unreachable.contains(code) }
        return false
    }

    /// errno values meaning no server answered or the connection to it broke.
    static let unreachable = Set<Int32>([ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ETIMEDOUT]).union(brokenConnection)
    static let brokenConnection: Set<Int32> = [ECONNABORTED, ECONNRESET, EPIPE, ENOTCONN]
}
