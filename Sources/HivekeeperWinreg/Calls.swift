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

/// The daemon's handle for `reference` in epoch `current`: ERROR_INVALID_HANDLE for a key
/// opened before the daemon went away (it forgot it).
func daemonHandle(_ reference: KeyReference, epoch current: UInt64) throws(Win32Error) -> KeyHandle {
    switch reference {
    case let .predefined(h): return h
    case let .opened(h, epoch):
        guard epoch == current else { throw .invalidHandle }
        return h
    }
}

/// Runs `body` with a connection and the daemon's handle `hkey` stands for: ERROR_INVALID_HANDLE
/// for NULL or a handle this process does not have.
func call<T>(_ hkey: HKEY?, _ body: (Client, KeyHandle, UInt64) throws(Win32Error) -> T) -> Result<T, Win32Error> {
    guard let reference = HandleTable.resolve(hkey) else { return .failure(.invalidHandle) }
    return Pool.with { client, epoch throws(Win32Error) in try body(client, try daemonHandle(reference, epoch: epoch), epoch) }
}

/// The same with two keys (RegCopyTree's source and destination).
func call<T>(_ first: HKEY?, _ second: HKEY?, _ body: (Client, KeyHandle, KeyHandle) throws(Win32Error) -> T) -> Result<T, Win32Error> {
    guard let a = HandleTable.resolve(first), let b = HandleTable.resolve(second) else { return .failure(.invalidHandle) }
    return Pool.with { client, epoch throws(Win32Error) in
        try body(client, try daemonHandle(a, epoch: epoch), try daemonHandle(b, epoch: epoch))
    }
}

/// The same for a call that names no key (RegOpenCurrentUser).
func callWithoutKey<T>(_ body: (Client, UInt64) throws(Win32Error) -> T) -> Result<T, Win32Error> {
    Pool.with(body)
}

/// Runs `body` on `subkey` of `base` opened (or created) with `access`, or on `base` itself
/// when `subkey` is nil or empty, closing what it opened.
func onSubkey<T>(_ client: Client, _ base: KeyHandle, _ subkey: RegistryName?, access: AccessMask, create: Bool = false,
                 _ body: (KeyHandle) throws(Win32Error) -> T) throws(Win32Error) -> T {
    guard let subkey, !subkey.isEmpty else { return try body(base) }
    let key = create ? try client.createKey(base, subkey, access: access).0 : try client.openKey(base, subkey, access: access)
    defer { try? client.closeKey(key) }
    return try body(key)
}

/// The status of a result whose value was used.
func status<T>(_ r: Result<T, Win32Error>) -> LSTATUS {
    switch r {
    case .success: success
    case let .failure(e): e.status
    }
}
