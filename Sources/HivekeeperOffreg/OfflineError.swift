#if canImport(Glibc)
import Glibc
#endif
import CHivekeeper
import HiveFormat

/// A Win32 error code an OR* function returns, thrown inside the implementation.
struct OfflineError: Error {
    let code: DWORD

    init(_ code: Int) { self.code = DWORD(code) }

    static let invalidHandle = OfflineError(ERROR_INVALID_HANDLE)
    static let invalidParameter = OfflineError(ERROR_INVALID_PARAMETER)
    static let fileNotFound = OfflineError(ERROR_FILE_NOT_FOUND)
    static let keyDeleted = OfflineError(ERROR_KEY_DELETED)
    static let moreData = OfflineError(ERROR_MORE_DATA)
    static let noMoreItems = OfflineError(ERROR_NO_MORE_ITEMS)
    static let alreadyExists = OfflineError(ERROR_ALREADY_EXISTS)
    static let badPathname = OfflineError(ERROR_BAD_PATHNAME)
    static let registryCorrupt = OfflineError(ERROR_REGISTRY_CORRUPT)
    static let invalidSecurityDescriptor = OfflineError(ERROR_INVALID_SECURITY_DESCR)

    /// How the engine's hive errors reach C: the same codes the live registry gives them.
    init(_ e: HiveError) {
        switch e {
        case .lockedForWriting, .locked: self.init(ERROR_SHARING_VIOLATION)
        case let .io(_, _, errno):
            switch errno {
            case ENOENT, ENOTDIR: self.init(ERROR_FILE_NOT_FOUND)
            case EACCES, EPERM: self.init(ERROR_ACCESS_DENIED)
            case EEXIST: self.init(ERROR_ALREADY_EXISTS)
            case EISDIR: self.init(ERROR_ACCESS_DENIED)  // CreateFile on a directory
            default: self.init(ERROR_REGISTRY_IO_FAILED)
            }
        case .quotaExceeded: self.init(ERROR_NOT_ENOUGH_QUOTA)
        case .notAHive, .unsupportedVersion: self.init(ERROR_NOT_REGISTRY_FILE)
        case .refused: self.init(ERROR_INVALID_PARAMETER)
        case .keyNotFound: self.init(ERROR_FILE_NOT_FOUND)
        default: self.init(ERROR_REGISTRY_CORRUPT)
        }
    }
}

/// Runs an OR* function's body: its result is ERROR_SUCCESS, or the code it threw.
@inline(__always)
func offline(_ body: () throws(OfflineError) -> Void) -> DWORD {
    do {
        try body()
        return DWORD(ERROR_SUCCESS)
    } catch {
        return error.code
    }
}

/// The engine's call, its error turned into the code C sees.
@inline(__always)
func engine<R>(_ body: () throws(HiveError) -> R) throws(OfflineError) -> R {
    do {
        return try body()
    } catch {
        throw OfflineError(error)
    }
}

/// Runs code that calls the engine and may also refuse with its own code: a hive error becomes
/// the code C sees, an `OfflineError` passes through.
@inline(__always)
func guarded<R>(_ body: () throws -> R) throws(OfflineError) -> R {
    do {
        return try body()
    } catch let e as OfflineError {
        throw e
    } catch let e as HiveError {
        throw OfflineError(e)
    } catch {
        throw .registryCorrupt
    }
}
