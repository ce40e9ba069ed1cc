import ArgumentParser
import Foundation
import HiveFormat
import Profiles
import Registry
import Security

/// The seed's story, in process: a user logs on, a service impersonates her and touches
/// HKEY_CURRENT_USER, she logs off, and the profile service meets the reference the service never
/// knew it held (Raymond Chen, "Could I be getting ERROR_KEY_DELETED for HKCU\Software when the
/// user logs off?", 2025-01-02).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch the seed's story: a service's HKCU cache keeps a logged-off user's hive, until it is force-unloaded.",
        discussion: """
            Runs a machine in a temporary state directory (or --state DIR): alice logs on, the Contoso \
            service impersonates her and reads HKCU\\Software, she saves a setting and logs off. The \
            profile service reports the leak (event 1530, saying how the reference came to exist), \
            waits the grace period, then acts by --policy: force (Windows' default: the service's \
            next calls fail with ERROR_KEY_DELETED), wait, or snapshot. Her setting roams either way.
            """
    )

    @Option(help: "State directory (kept); by default a temporary one, removed afterwards.")
    var state: String?

    @Option(help: "What happens when the grace period passes: force, wait or snapshot.")
    var policy: String = "force"

    @Option(help: "The grace period in seconds (Windows waits about 30).")
    var grace: Double = 3

    func run() async throws {
        guard let chosen = UnloadPolicy(rawValue: policy) else {
            throw ValidationError("--policy must be force, wait or snapshot")
        }
        let temporary = state == nil
        let root = state.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("hivekeeper-demo-\(UUID().uuidString)")
        defer { if temporary { try? FileManager.default.removeItem(at: root) } }
        do {
            try await story(root: root, policy: chosen)
        } catch {
            Diagnostics.say("ERROR: \(error)")
            throw ExitCode(1)
        }
    }

    private func say(_ s: String) { print(s) }

    private func story(root: URL, policy: UnloadPolicy) async throws {
        let registry = Registry()
        let machine = Machine(registry: registry, domain: DomainIdentifier(1_111, 2_222, 3_333))
        let layout = StateLayout(root: root.appendingPathComponent("state"))
        try machine.setUp(layout)
        let store = DirectoryStore(root: root.appendingPathComponent("roaming"))
        let events = EventLog(file: layout.eventLog)
        let profiles = ProfileService(machine: machine, layout: layout, store: store, events: events,
                                      gracePeriod: .milliseconds(Int(grace * 1000)), policy: policy)
        let alice = machine.addAccount(name: "alice", uid: 1001)
        let contoso = machine.addAccount(name: "contoso", uid: 990, isService: true)
        say("Machine set up in \(root.path) (HKLM\\SOFTWARE, HKLM\\SYSTEM, HKU\\.DEFAULT, Default User).")

        let session = try await profiles.logon(alice)
        let shell = machine.startProcess("/usr/bin/explorer", as: alice, session: session)
        say("1. alice (\(alice.sid)) logs on: session \(session); her NTUSER.DAT is loaded at HKU\\\(alice.sid).")

        let service = machine.startService("Contoso", executable: "/usr/lib/contoso/contosod", as: contoso) { change in
            if case let .logoff(s) = change { print("   Contoso hears SERVICE_CONTROL_SESSIONCHANGE / WTS_SESSION_LOGOFF (6) for session \(s).") }
        }
        let leaked = try await machine.impersonate(alice, in: service.pid) {
            try registry.openKey(.currentUser, "Software", access: .keyRead, as: machine.caller(service.pid))
        }
        say("2. The Contoso service (pid \(service.pid)) impersonates alice and opens HKEY_CURRENT_USER\\Software.")
        say("   Its process-wide HKCU cache is now bound to HKU\\\(alice.sid): a reference it never opened.")

        let shellCaller = try machine.caller(shell.pid)
        let (demo, _) = try registry.createKey(.currentUser, "Software\\Demo", access: .keyAllAccess, as: shellCaller)
        let blue = (Array("blue".utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        try registry.setValue(demo, "Color", type: .string, data: blue, as: shellCaller)
        say("3. alice saves a setting: HKCU\\Software\\Demo\\Color = blue.")

        say("4. alice logs off (policy: \(policy.rawValue), grace period \(grace) s)…")
        let outcome = try await profiles.logoff(session: session)
        for e in events.all where [1530, 9530, 9540, 9550].contains(e.id) {
            say("   event \(e.id) (\(e.level.rawValue)): \(e.message)")
            for line in e.details { say("     \(line)") }
        }

        say("5. Afterwards, the Contoso service, impersonating alice again:")
        let results: [(String, Win32Error?)] = try await machine.impersonate(alice, in: service.pid) {
            let asService = try machine.caller(service.pid)
            var out: [(String, Win32Error?)] = []
            do throws(Win32Error) {
                _ = try registry.queryInfoKey(leaked, as: asService)
                out.append(("queries through its old handle", nil))
            } catch {
                out.append(("queries through its old handle", error))
            }
            do throws(Win32Error) {
                let h = try registry.openKey(.currentUser, "Software", access: .keyRead, as: asService)
                try registry.closeKey(h, as: asService)
                out.append(("opens HKEY_CURRENT_USER\\Software", nil))
            } catch {
                out.append(("opens HKEY_CURRENT_USER\\Software", error))
            }
            return out
        }
        for (label, error) in results { say("   \(label): \(error.map(\.description) ?? "success")") }
        switch outcome.unload {
        case .waiting:
            say("   (wait: the hive is still loaded; when the service ends it unloads and uploads.)")
            machine.endProcess(service.pid)
            for _ in 0..<200 where !events.all.contains(where: { $0.id == EventID.deferredUnloadDone }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            say("   The service ended: \(events.all.last?.message ?? "")")
        default:
            break
        }

        let roamed = root.appendingPathComponent("roaming/alice.V6/NTUSER.DAT")
        if let data = FileManager.default.contents(atPath: roamed.path), let hive = try? Hive(bytes: data),
           let key = try? hive.key(path: "Software\\Demo"), let v = try? hive.value(of: key, named: "Color"),
           let bytes = try? hive.data(of: v).bytes {
            let text = String(decoding: stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
                .prefix { $0 != 0 }, as: UTF16.self)
            say("6. The roaming copy (\(roamed.lastPathComponent) in alice.V6) has Software\\Demo\\Color = \(text).")
        } else {
            say("6. The roaming copy was not written.")
        }
        if state != nil { say("Events (JSON lines): \(layout.eventLog.path)") }
    }
}
