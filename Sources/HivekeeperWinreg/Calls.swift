import CHivekeeper
import RegistryClient

/// A Win32 error as the C functions return it.
extension Win32Error {
    var status: LSTATUS { LSTATUS(bitPattern: rawValue) }
    static let noAccess = Win32Error(rawValue: 998)  // ERROR_NOACCESS
    static let unsupportedType = Win32Error(rawValue: 1630)  // ERROR_UNSUPPORTED_TYPE
    static let datatypeMismatch = Win32Error(rawValue: 1629)  // ERROR_DATATYPE_MISMATCH
    static let badNetpath = Win32Error(rawValue: 53)  // ERROR_BAD_NETPATH
    static let badKey = Win32Error(rawValue: 1010)  // ERROR_BADKEY
    static let insufficientBuffer = Win32Error(rawValue: 122)  // ERROR_INSUFFICIENT_BUFFER
    static let callNotImplemented = Win32Error(rawValue: 120)  // ERROR_CALL_NOT_IMPLEMENTED
}

let success = LSTATUS(0)

/// The daemon's handle for `reference` on `client`'s connection: ERROR_INVALID_HANDLE for a key
/// an earlier connection opened (the daemon closed it when that connection ended).
func daemonHandle(_ reference: KeyReference, epoch current: UInt64) throws(Win32Error) -> KeyHandle {
    switch reference {
    case let .predefined(h): return h
    case let .opened(h, epoch):
        guard epoch == current else { throw .invalidHandle }
        return h
    }
}

/// Runs `body` with the daemon's connection and the handle `hkey` stands for, blocking the
/// calling thread: ERROR_INVALID_HANDLE for NULL or a handle this process does not have.
func call<T: Sendable>(_ hkey: HKEY?,
                       _ body: @escaping @Sendable (RegistryClient, KeyHandle, UInt64) async throws(Win32Error) -> T) -> Result<T, Win32Error> {
    guard let reference = HandleTable.resolve(hkey) else { return .failure(.invalidHandle) }
    return blocking { () async -> Result<T, Win32Error> in
        do throws(Win32Error) {
            let (client, epoch) = try await Daemon.connection()
            let handle = try daemonHandle(reference, epoch: epoch)
            return .success(try await body(client, handle, epoch))
        } catch {
            return .failure(error)
        }
    }
}

/// The same for a call that names no key (RegOpenCurrentUser).
func callWithoutKey<T: Sendable>(_ body: @escaping @Sendable (RegistryClient, UInt64) async throws(Win32Error) -> T) -> Result<T, Win32Error> {
    blocking { () async -> Result<T, Win32Error> in
        do throws(Win32Error) {
            let (client, epoch) = try await Daemon.connection()
            return .success(try await body(client, epoch))
        } catch {
            return .failure(error)
        }
    }
}

/// Runs `body` on `subkey` of `base` opened with `access` (or on `base` itself when `subkey` is
/// nil or empty), closing what it opened.
func onSubkey<T: Sendable>(_ client: RegistryClient, _ base: KeyHandle, _ subkey: RegistryName?, access: AccessMask,
                           create: Bool = false,
                           _ body: (KeyHandle) async throws(Win32Error) -> T) async throws(Win32Error) -> T {
    guard let subkey, !subkey.isEmpty else { return try await body(base) }
    let key = create ? try await client.createKey(base, subkey, access: access).0
        : try await client.openKey(base, subkey, access: access)
    let result: Result<T, Win32Error>
    do throws(Win32Error) {
        result = .success(try await body(key))
    } catch {
        result = .failure(error)
    }
    try? await client.closeKey(key)
    return try result.get()
}

/// The status of a result whose value was used.
func status<T>(_ r: Result<T, Win32Error>) -> LSTATUS {
    switch r {
    case .success: success
    case let .failure(e): e.status
    }
}

/// The same with two keys (RegCopyTree's source and destination).
func call<T: Sendable>(_ first: HKEY?, _ second: HKEY?,
                       _ body: @escaping @Sendable (RegistryClient, KeyHandle, KeyHandle) async throws(Win32Error) -> T) -> Result<T, Win32Error> {
    guard let a = HandleTable.resolve(first), let b = HandleTable.resolve(second) else { return .failure(.invalidHandle) }
    return blocking { () async -> Result<T, Win32Error> in
        do throws(Win32Error) {
            let (client, epoch) = try await Daemon.connection()
            return .success(try await body(client, try daemonHandle(a, epoch: epoch), try daemonHandle(b, epoch: epoch)))
        } catch {
            return .failure(error)
        }
    }
}
