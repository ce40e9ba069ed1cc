#if canImport(Glibc)
import Glibc
#endif
import CHivekeeper
import RegistryClient

/// RegOpenKeyEx, RegCreateKeyEx, RegCloseKey and the deletions, on names already decoded (the W
/// and A entry points in KeyFunctions.swift decode them).
enum Keys {
    static let invalidParameter = Win32Error.invalidParameter.status

    /// The access asked for, without KEY_WOW64_32KEY / KEY_WOW64_64KEY: on a 64-bit machine with
    /// no WOW64 keys both views are the same keys, and the daemon knows no such rights.
    static func access(_ sam: REGSAM) -> AccessMask { AccessMask(rawValue: sam & ~0x300) }

    /// RegOpenKeyEx. A predefined key with no subkey is answered with itself, and a failure
    /// writes NULL — but an invalid `hkey` leaves `result` as it was ([WA] test_reg_open_key).
    static func open(_ hkey: HKEY?, _ subkey: RegistryName?, options: DWORD, access: REGSAM,
                     _ result: UnsafeMutablePointer<HKEY?>?) -> LSTATUS {
        guard let result else { return invalidParameter }
        guard let reference = HandleTable.resolve(hkey) else { return Win32Error.invalidHandle.status }
        if case .predefined = reference, subkey?.isEmpty ?? true {
            result.pointee = hkey
            return success
        }
        let path = subkey ?? RegistryName(codeUnits: [])
        // NT refuses a path from the root below a key (ERROR_BAD_PATHNAME), but for
        // HKEY_CLASSES_ROOT, whose "\\" and "\\clsid" open ([WA] test_reg_open_key). The daemon
        // would skip the backslash.
        if path.codeUnits.first == 0x5C, HandleTable.predefinedValue(hkey) != KeyHandle.classesRoot.rawValue {
            result.pointee = nil
            return Win32Error.badPathname.status
        }
        let r = call(hkey) { client, handle, epoch throws(Win32Error) in
            (try client.openKey(handle, path, access: Keys.access(access), options: KeyOptions(rawValue: options)), epoch)
        }
        return store(r, in: result)
    }

    /// RegCreateKeyEx. The class and the security attributes are not sent: the wire's create
    /// carries neither (docs/c-api.md).
    static func create(_ hkey: HKEY?, _ subkey: RegistryName?, reserved: DWORD, options: DWORD, access: REGSAM,
                       _ result: UnsafeMutablePointer<HKEY?>?, _ disposition: UnsafeMutablePointer<DWORD>?) -> LSTATUS {
        guard let result else { return Win32Error.badKey.status }
        guard reserved == 0 else { return invalidParameter }
        guard HandleTable.resolve(hkey) != nil else { return Win32Error.invalidHandle.status }
        let path = subkey ?? RegistryName(codeUnits: [])
        let r = call(hkey) { client, handle, epoch throws(Win32Error) in
            let (h, d) = try client.createKey(handle, path, options: KeyOptions(rawValue: options),
                                                    access: Keys.access(access))
            return (h, d, epoch)
        }
        switch r {
        case let .success((h, d, epoch)):
            result.pointee = HandleTable.insert(h, epoch: epoch)
            disposition?.pointee = d.rawValue
            return success
        case let .failure(e):
            result.pointee = nil
            return e.status
        }
    }

    /// Puts a new handle into the table and `result`, or NULL and the error.
    static func store(_ r: Result<(KeyHandle, UInt64), Win32Error>, in result: UnsafeMutablePointer<HKEY?>) -> LSTATUS {
        switch r {
        case let .success((h, epoch)):
            result.pointee = HandleTable.insert(h, epoch: epoch)
            return success
        case let .failure(e):
            result.pointee = nil
            return e.status
        }
    }

    /// RegCloseKey: a predefined key closes successfully and stays usable.
    static func close(_ hkey: HKEY?) -> LSTATUS {
        if HandleTable.predefinedValue(hkey) != nil { return success }
        guard let (handle, epoch) = HandleTable.remove(hkey) else { return Win32Error.invalidHandle.status }
        // A key of an earlier epoch was forgotten with the daemon's life: nothing to close.
        let r = Pool.with { client, current throws(Win32Error) in
            if current == epoch { try client.closeKey(handle) }
        }
        return status(r)
    }

    /// RegDeleteKey / RegDeleteKeyEx (the view flags select nothing: there are no WOW64 keys).
    static func delete(_ hkey: HKEY?, _ subkey: RegistryName?) -> LSTATUS {
        guard let subkey else { return invalidParameter }
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.deleteKey(handle, subkey) })
    }

    /// RegDeleteTree (NULL subkey: the key's values and subkeys, not the key).
    static func deleteTree(_ hkey: HKEY?, _ subkey: RegistryName?) -> LSTATUS {
        let path = subkey.flatMap { $0.isEmpty ? nil : $0 }
        return status(call(hkey) { client, handle, _ throws(Win32Error) in try client.deleteTree(handle, path) })
    }

    /// RegConnectRegistry: this machine only (NULL, "", its host name, or `\\` and its host name).
    static func connect(_ machine: RegistryName?, _ hkey: HKEY?, _ result: UnsafeMutablePointer<HKEY?>?) -> LSTATUS {
        guard let result else { return invalidParameter }
        if let machine, !machine.isEmpty {
            var name = machine.description
            if name.hasPrefix("\\\\") { name.removeFirst(2) }
            guard isLocalHost(name) else { return Win32Error.badNetpath.status }
        }
        guard HandleTable.predefinedValue(hkey) != nil else { return Win32Error.invalidHandle.status }
        result.pointee = hkey
        return success
    }

    private static func isLocalHost(_ name: String) -> Bool {
        guard let host = Text.hostName() else { return false }
        let short = host.split(separator: ".").first.map(String.init) ?? host
        let wanted = name.uppercased()
        return wanted == host.uppercased() || wanted == short.uppercased()
    }
}
