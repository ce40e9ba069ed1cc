/// What one client may take of what every client shares (docs/security.md, "Quotas"). Windows'
/// own registry quota (RegistrySizeLimit) is obsolete; these are ours, and over them a call
/// fails with ERROR_NOT_ENOUGH_QUOTA (1816).
public struct RegistryQuotas: Sendable, Hashable {
    /// Open handles one process may hold at once.
    public var handlesPerProcess: Int
    /// How large a hive that is not the machine's own (a user's profile, a loaded or app hive)
    /// may grow: a write that could grow one already this large is refused; deletes are not.
    public var hiveBytes: Int

    public init(handlesPerProcess: Int = 16_384, hiveBytes: Int = 1 << 30) {
        self.handlesPerProcess = handlesPerProcess
        self.hiveBytes = hiveBytes
    }
}
