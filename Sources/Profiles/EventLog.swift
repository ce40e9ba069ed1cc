import Foundation
import Locking

/// One event: Windows' ID where one exists (windows-semantics.md §6), ours (9000 and up)
/// otherwise; what happened, and its details.
public struct ProfileEvent: Sendable, Hashable, Codable {
    public enum Level: String, Sendable, Codable { case information, warning, error }
    public var id: Int
    public var time: Date
    public var level: Level
    public var user: String?
    public var message: String
    public var details: [String]

    public init(id: Int, time: Date, level: Level, user: String?, message: String, details: [String] = []) {
        self.id = id
        self.time = time
        self.level = level
        self.user = user
        self.message = message
        self.details = details
    }
}

/// The event log: kept in memory and appended to a JSON-lines file when one is given.
public final class EventLog: Sendable {
    /// The events so far; held while one is appended to the file too, so the file's order is
    /// the log's.
    private let events = Locked<[ProfileEvent]>([])
    private let file: URL?

    public init(file: URL? = nil) { self.file = file }

    public func record(_ e: ProfileEvent) {
        events.withLock { events in
            events.append(e)
            guard let file else { return }
            var line = Data(Self.jsonLine(e).utf8)
            line.append(0x0A)
            if let h = try? FileHandle(forWritingTo: file) {
                _ = try? h.seekToEnd()
                try? h.write(contentsOf: line)
                try? h.close()
            } else {
                try? line.write(to: file)
            }
        }
    }

    public var all: [ProfileEvent] { events.withLock { $0 } }

    /// One event as a JSON object on one line, its time in ISO 8601 with milliseconds (a
    /// grace period is seconds long; whole seconds would blur the timeline).
    public static func jsonLine(_ e: ProfileEvent) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var c = encoder.singleValueContainer()
            try c.encode(formatter.string(from: date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(e)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

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
