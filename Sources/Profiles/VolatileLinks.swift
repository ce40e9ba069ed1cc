import Registry
import Security

extension Registry {
    /// Makes `path` below `base` a volatile symbolic link to `target` (a full \REGISTRY path),
    /// as Windows makes its boot-time and logon-time links; the keys above it are created
    /// (stored) when missing. False, and nothing changed there, when a key (a link or a stored
    /// key) already has that name.
    @discardableResult
    package func makeVolatileLink(_ base: KeyHandle, _ path: String, to target: String, as caller: RegistryCaller) throws(Win32Error) -> Bool {
        var parts = path.split(separator: "\\").map(String.init)
        guard let name = parts.popLast() else { throw .invalidParameter }
        let (parent, _) = try createKey(base, parts.joined(separator: "\\"), access: .createSubKey, as: caller)
        defer { try? closeKey(parent, as: caller) }
        if let existing = try? openKey(parent, name, access: .queryValue, options: .openLink, as: caller) {
            try? closeKey(existing, as: caller)
            return false
        }
        let (link, _) = try createKey(parent, name, options: [.volatile, .createLink], access: .setValue, as: caller)
        defer { try? closeKey(link, as: caller) }
        try setValue(link, "SymbolicLinkValue", type: .link, data: target.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, as: caller)
        return true
    }
}

/// Who the machine's own set-up acts as: SYSTEM, in no process a client can see (every handle it
/// opens is closed before the call returns).
package let setUpCaller = RegistryCaller(process: ProcessID(0), token: Account.system.token)
