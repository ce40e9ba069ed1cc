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

