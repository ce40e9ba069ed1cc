import ArgumentParser
import Dispatch
import Foundation
import StartupPaths

/// The seed's story with real processes through a private hivekeeperd: a user logs on, a service
/// impersonates her and touches HKEY_CURRENT_USER, she logs off, and the profile service meets the
/// reference the service never knew it held (Raymond Chen, "Could I be getting ERROR_KEY_DELETED
/// for HKCU\Software when the user logs off?", 2025-01-02).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch the seed's story: a service's HKCU cache keeps a logged-off user's hive, until it is force-unloaded.",
        discussion: """
            Starts a private hivekeeperd (temporary socket, state and roaming directories) and real \
            processes: alice logs on, the Contoso service (a process of its own) impersonates her and \
            reads HKCU\\Software, her program saves a setting, she logs off. The profile service ends \
            the program, notifies the service, reports the leak (event 1530, saying how the reference \
            came to exist), waits the grace period, then acts by --policy: force (Windows' default: the \
            service's next call fails with ERROR_KEY_DELETED), wait, or snapshot. Her setting roams.
            As root, alice and Contoso are temporary Linux users (created and removed); otherwise the \
            daemon runs in demo-identity mode on a socket only you can reach (docs/daemon.md).
            """
    )

    @Option(help: "Keep the daemon's files in DIR (state, roaming, socket); by default a temporary directory, removed afterwards.")
    var state: String?

    @Option(help: "What happens when the grace period passes: force, wait or snapshot.")
    var policy: String = "force"

    @Option(help: "The grace period in seconds (Windows waits about 30).")
    var grace: Double = 3

    @Flag(help: "Print what happened as one JSON object instead of the story.")
    var json = false

    @Flag(name: .customLong("demo-identity"), help: "Use demo-identity mode even as root (no temporary Linux users).")
    var demoIdentity = false

    func validate() throws {
        guard ["force", "wait", "snapshot"].contains(policy) else { throw ValidationError("--policy must be force, wait or snapshot") }
        guard grace >= 0, grace <= 600 else { throw ValidationError("--grace must be between 0 and 600 seconds") }
    }

    func run() async throws {
        let temporary = state == nil
        let root = state.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("hivekeeper-demo-\(UUID().uuidString.prefix(8))")
        let realUsers = !demoIdentity && DemoCast.canUseRealUsers()
        do {
            // Real users reach the socket through this directory; a demo-identity one is private.
            // (A directory the user named and that exists keeps its permissions.)
            do throws(PathProblem) {
                try StartupPaths.requireDirectory(root.path, role: "--state")
            } catch {
                throw CLIError(error.description)
            }
            if !FileManager.default.fileExists(atPath: root.path) {
                do {
                    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                } catch {
                    throw CLIError("--state \(root.path): cannot create it: \(error.localizedDescription)")
                }
                chmod(root.path, realUsers ? 0o755 : 0o700)
            }
            // Signals are caught before the users exist: one that comes while they are being
            // made is acted on as soon as the cast is known.
            let cleanup = DemoCleanup(directory: temporary ? root : nil)
            cleanup.catchSignals()
            let cast = try DemoCast.make(realUsers: realUsers)
            cleanup.adopt(cast)
            defer { cleanup.run() }
            let quiet = json
            // Flushed line by line: the story is watched as it happens, through a pipe too.
            let narrate: @Sendable (String) -> Void = { line in if !quiet { print(line); fflush(nil) } }
            let story = DemoStory(root: root, cast: cast, grace: grace, policy: policy,
                                  cleanup: cleanup, narrate: narrate)
            let report = try await story.run()
            if json {
                print(report.json)
            } else if !temporary {
                print("Files kept in \(root.path) (events: state/events.jsonl).")
            }
        } catch let e as CLIError {
            if temporary { try? FileManager.default.removeItem(at: root) }
            Diagnostics.say("ERROR: \(e.description)")
            throw ExitCode(1)
        } catch {
            if temporary { try? FileManager.default.removeItem(at: root) }
            Diagnostics.say("ERROR: \(error)")
            throw ExitCode(1)
        }
    }
}
