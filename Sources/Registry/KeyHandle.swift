import Security

/// Who is calling: the process (whose handle table is used) and the security context of the
/// calling thread (its impersonation token, or the process's own).
public struct RegistryCaller: Sendable {
    public var process: ProcessID
    public var token: Token
    /// The Linux identity files it names are opened, created and replaced as (its own uid and
    /// groups, whatever it impersonates); nil: the registry's own (an in-process caller, root).
    public var files: FileIdentity?
    public init(process: ProcessID, token: Token, files: FileIdentity? = nil) {
        self.process = process
        self.token = token
        self.files = files
    }
}
