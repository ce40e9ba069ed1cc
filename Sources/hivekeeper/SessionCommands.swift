import ArgumentParser
import Foundation
import RegistryClient
import Wire

/// `hivekeeper session logon|logoff|list`: the profile service's sessions (logon and logoff
/// are SYSTEM's — root's — alone).
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Log users on and off through hivekeeperd, and list the sessions.",
        subcommands: [Logon.self, Logoff.self, List.self]
    )

    struct Logon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log USER on; prints the session id.",
            discussion: "A logon that could not use the user's profile (roaming store unreachable, a corrupt copy) is said on stderr with the profile service's events (1502, 1506, 1511, 1515).")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "The user.") var user: String

        /// The events that say a logon did not get the profile it should have.
        static let fallbackEvents: Set<Int> = [1502, 1506, 1511, 1515]

        func run() async throws {
            try await daemon.run { client in
                let mark = try await client.events(after: Int(UInt32.max)).next
                print(try await client.logon(user))
                for line in try await client.events(after: mark).lines {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                          let id = object["id"] as? Int, Self.fallbackEvents.contains(id),
                          object["user"] as? String == user, let message = object["message"] as? String
                    else { continue }
                    Diagnostics.say("warning: \(user): event \(id): \(message)")
                }
                return 0
            }
        }
    }

    struct Logoff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log session SESSION off and say what happened (waits out the grace period when something leaks).")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "The session id.") var session: Int
        @Option(help: "This logoff's policy when references remain: force, wait or snapshot.") var policy: String?
        @Flag(help: "One JSON object.") var json = false

        func run() async throws {
            try await daemon.run { client in
                let o = try await client.logoff(session: session, policy: policy)
                if json {
                    let object: [String: Any] = [
                        "endedProcesses": o.endedProcesses, "notifiedServices": o.notifiedServices, "unload": o.unload,
                        "leakReport": o.leakReport, "uploaded": o.uploaded, "uploadPending": o.uploadPending,
                        "leaks": o.leaks.map(\.jsonObject), "roamingCopy": o.roamingCopy ?? NSNull(),
                    ]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("processes ended: \(o.endedProcesses.isEmpty ? "none" : o.endedProcesses.map(String.init).joined(separator: " "))")
                    print("services notified: \(o.notifiedServices.isEmpty ? "none" : o.notifiedServices.joined(separator: ", "))")
                    for l in o.leakReport { print("leak: \(l)") }
                    print("unload: \(o.unload)")
                    print("uploaded: \(o.uploaded ? "yes" : o.uploadPending ? "pending (retrying)" : "no")\(o.roamingCopy.map { " (\($0))" } ?? "")")
                }
                return 0
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The logon sessions: id, user, SID, processes.")
        @OptionGroup var daemon: DaemonOptions

        func run() async throws {
            try await daemon.run { client in
                let sessions = try await client.sessions()
                if Diagnostics.stdoutIsTerminal && !sessions.isEmpty { print("SESSION\tUSER\tSID\tPROCESSES") }
                for s in sessions {
                    print("\(s.id)\t\(s.user)\t\(s.sid)\t\(s.processes.map(String.init).joined(separator: ","))")
                }
                return 0
            }
        }
    }
}

/// `hivekeeper handles`: who holds references into which hive, and how.
struct HandlesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handles",
        abstract: "Who holds references into a user's hives (or one hive, or all), and how each came to exist."
    )
    @OptionGroup var daemon: DaemonOptions
    @Option(help: "A user's hives (HKU\\<SID> and HKU\\<SID>_Classes).") var user: String?
    @Option(help: "One hive: HKU\\X or HKLM\\X.") var hive: String?

    func validate() throws {
        if user != nil && hive != nil { throw ValidationError("--user and --hive cannot be combined") }
    }

    func run() async throws {
        try await daemon.run { client in
            let refs = try await client.handles(user: user, hive: hive)
            printReferences(refs)
            return 0
        }
    }
}

/// One line per reference: pid, executable, account, kind, handle, access, key, origin.
func printReferences(_ refs: [WireReference]) {
    if Diagnostics.stdoutIsTerminal && !refs.isEmpty { print("PID\tEXECUTABLE\tACCOUNT\tKIND\tHANDLE\tACCESS\tKEY\tORIGIN") }
    for r in refs {
        let handle = r.handle.map { String(format: "0x%x", $0) } ?? "-"
        print("\(r.pid)\t\(r.executable)\t\(r.account)\t\(r.kind)\t\(handle)\t\(String(format: "0x%08x", r.access))\t\(r.keyPath)\t\(r.origin)")
    }
    if refs.isEmpty { print("No references.") }
}

/// `hivekeeper events`: the profile service's event log.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "The profile service's events (all for root, your own otherwise)."
    )
    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Keep printing new events as they come.") var follow = false
    @Flag(help: "The events as JSON lines.") var json = false

    func run() async throws {
        try await daemon.run { client in
            var next = 0
            repeat {
                let (lines, after) = try await client.events(after: next)
                for l in lines { print(json ? l : Self.text(l)) }
                fflush(nil)
                next = after
                if follow { try await Task.sleep(for: .milliseconds(500)) }
            } while follow
            return 0
        }
    }

    /// `time  id  level  user  message`, then the details indented.
    static func text(_ line: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return line }
        var s = "\(object["time"] ?? "")  \(object["id"] ?? "")  \(object["level"] ?? "")  \(object["user"] as? String ?? "-")  \(object["message"] ?? "")"
        for d in object["details"] as? [String] ?? [] { s += "\n    " + d }
        return s
    }
}

extension WireReference {
    /// The reference as JSON: who (pid, executable, account), what (key, handle, access), how (kind, origin).
    var jsonObject: [String: Any] {
        ["pid": Int(pid), "executable": executable, "account": account, "handle": handle.map { Int($0) } ?? NSNull(),
         "key": keyPath, "access": Int(access), "kind": kind, "origin": origin]
    }
}
