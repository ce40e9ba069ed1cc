/// Where the transaction logs of a hive come from when it is opened.
public enum LogSource: Sendable, Equatable {
    /// Read the primary file as it is, dirty or not.
    case none
    /// NAME.LOG1, NAME.LOG2, NAME.LOG beside the hive (any case).
    case besideHive
    /// These files, whatever their names.
    case files([String])
}

/// A hive opened for reading, with what was done about its logs.
public struct OpenedHive {
    public let hive: Hive
    /// The primary file's own base block (before any log was applied).
    public let primaryBaseBlock: BaseBlock
    /// Every log looked at, empty files included (none when the primary is clean: a clean
    /// primary's logs hold nothing it needs, so they are not read).
    public let logs: [TransactionLog]
    /// Set when logs were applied; the hive then reads the recovered image.
    public let recovery: LogRecoveryReport?
    /// What the user should know about the logs (none found, dirty left as it is, …).
    public let notes: [String]
}

extension Hive {
    /// Opens `path` the way Windows loads a hive: a dirty primary is brought up to date from its
    /// logs, in memory (the files are never modified). A clean primary is read as it is, whatever
    /// its logs hold (their entries are already in it, or stale). A dirty primary with no log, or
    /// only empty ones, is read as it is with a note; logs that exist but cannot bring it up to
    /// date are an error (`.logRecovery`): `LogSource.none` reads the primary anyway.
    /// `partial`: a log that cannot be read is left out rather than refused (`LogRecovery`).
    public static func open(path: String, logs source: LogSource, partial: Bool = false) throws(HiveError) -> OpenedHive {
        let storage = try HiveStorage(mappingFileAt: path)
        let baseBlock = try BaseBlock(bytes: storage.bytes)
        guard baseBlock.isDirty, source != .none else {
            return OpenedHive(hive: try Hive(storage: storage), primaryBaseBlock: baseBlock, logs: [],
                              recovery: nil, notes: [])
        }
        let paths: [String]
        switch source {
        case .none: paths = []
        case .besideHive: paths = try LogDiscovery.search(besideHive: path)
        case let .files(given): paths = given
        }
        var logs: [TransactionLog] = []
        for p in paths { logs.append(try TransactionLog(path: p)) }
        guard logs.contains(where: { !$0.isEmpty }) else {
            let looked = source == .besideHive ? "no transaction log beside it (NAME.LOG1, NAME.LOG2, NAME.LOG)" : "the logs given are empty"
            return OpenedHive(hive: try Hive(storage: storage), primaryBaseBlock: baseBlock, logs: logs,
                              recovery: nil, notes: ["the hive is dirty and there is \(looked); reading the primary file as it is"])
        }
        let recovered: (storage: HiveStorage, report: LogRecoveryReport)
        do {
            recovered = try LogRecovery.recover(primary: storage, path: path, logs: logs.filter { !$0.isEmpty },
                                                leavingOutUnreadable: partial)
        } catch {
            throw .logRecovery(hive: path, error)
        }
        return OpenedHive(hive: try Hive(storage: recovered.storage), primaryBaseBlock: baseBlock, logs: logs,
                          recovery: recovered.report, notes: [])
    }
}
