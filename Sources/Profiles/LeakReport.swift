import Foundation
import Registry
import Security

/// The references that keep a user's hive loaded, each with who holds it and how it came to
/// exist — Windows' event 1530 names the process and key; this also says *why* the reference
/// exists ("HKCU cache bound while impersonating <SID> at <time>").
public struct LeakReport: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var reference: HiveReference
        public var executable: String
        public var account: String
        public var origin: String
    }

    public var hive: String
    public var entries: [Entry]

    public init(hive: String, entries: [Entry]) {
        self.hive = hive
        self.entries = entries
    }

    /// The lines of the event: Windows' own header and line shape, then ours.
    public var lines: [String] {
        var out = ["\(entries.count) user registry handles leaked from \(hive):"]
        for e in entries {
            let r = e.reference
            let handle = r.handle.map { "handle \($0), " } ?? ""
            out.append("Process \(r.process) (\(e.executable), \(e.account)) has opened key \(r.keyPath) [\(handle)access \(r.access); \(e.origin)]")
        }
        return out
    }
}

extension Machine {
    /// The report for the hive at `path`, at this moment.
    func leakReport(for path: String) -> LeakReport {
        let entries = registry.references(toHiveAt: path).map { r -> LeakReport.Entry in
            let p = process(r.process)
            return LeakReport.Entry(reference: r, executable: p?.executable ?? "(ended)",
                                    account: p?.account.description ?? "?", origin: origin(of: r))
        }
        return LeakReport(hive: path, entries: entries)
    }

    /// How a reference came to exist, in words: for the HKCU cache, as whom and when it was bound.
    public func origin(of r: HiveReference) -> String {
        switch r.kind {
        case .handle: return "a handle the process opened"
        case .predefinedCache:
            guard let b = currentUserBinding(of: r.process) else { return "HKCU cache" }
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return b.impersonating
                ? "HKCU cache bound while impersonating \(b.user) at \(formatter.string(from: b.time))"
                : "HKCU cache bound at the process's first use, as \(b.user), at \(formatter.string(from: b.time))"
        case .override: return "a predefined key overridden (RegOverridePredefKey)"
        case .notification: return "a pending change notification"
        case .appKey: return "an application hive's handle"
        }
    }
}
