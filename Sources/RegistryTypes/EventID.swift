// The profile service's event IDs: the daemon logs them and its clients (the CLI, the demo)
// read them back from the event log over the wire, so they live with the shared types.

/// The event IDs used. Windows' own: 1530 (registry still in use; forced unload), 2, 3, 4
/// (logon/logoff notification processing), 5 (hive loaded), 6/7 (synchronize). Ours: 9530
/// (the forced unload's list of broken references), 9531 (a forced unload that failed), 9001 (services notified), 9002 (grace
/// period started), 9003 (unloaded), 9010 (logon), 9011 (a new profile made from Default User),
/// 9540/9541 (left loaded by the `wait` policy / unloaded later), 9550 (references moved to a
/// snapshot), 9560 (an upload retried), 9570 (temporary profile discarded), 9580 (recovered
/// from logs), 9590 (a logoff or upload a restart interrupted, finished at the next start),
/// 9600/9601 (the roaming copy changed since logon: overwritten / merged, with the conflicts).
public enum EventID {
    public static let hiveLoaded = 5
    public static let logoffReceived = 3
    public static let logoffFinished = 4
    public static let synchronizeStarted = 6
    public static let synchronizeFinished = 7
    public static let hiveStillInUse = 1530
    public static let cannotLoadLocalProfile = 1502
    public static let cannotUpdateRoaming = 1504
    public static let roamingUnavailable = 1506
    public static let unableToCopy = 1509
    public static let temporaryProfile = 1511
    public static let profileBackedUp = 1515
    public static let leftLoaded = 9540
    public static let deferredUnloadDone = 9541
    public static let movedToSnapshot = 9550
    public static let uploadRetried = 9560
    public static let uploadGaveUp = 9561
    public static let temporaryDiscarded = 9570
    public static let recoveredFromLogs = 9580
    public static let resumedAfterRestart = 9590
    public static let roamingOverwritten = 9600
    public static let roamingMerged = 9601
    public static let chaosForcedUnload = 9610
    /// The store lock was lost (its lease ran out or was taken over) before the replace.
    public static let storeLockLost = 9620
    public static let servicesNotified = 9001
    public static let gracePeriod = 9002
    public static let hiveUnloaded = 9003
    public static let forcedUnloadBroke = 9530
    /// A forced unload (or the snapshot policy's fallback to one) failed: what failed.
    public static let forcedUnloadFailed = 9531
    public static let logon = 9010
    public static let profileCreated = 9011
}
