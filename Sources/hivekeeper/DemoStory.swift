import Foundation
import HiveFormat
import RegistryTypes
import RegistryClient
import Security
import Wire

/// The seed's story with real processes: a private hivekeeperd (temporary socket, state and
/// roaming directories), alice logged on, the Contoso service impersonating her and touching
/// HKEY_CURRENT_USER, her program saving a setting, then her logoff — watched from outside, as
/// the processes and the event log see it.
struct DemoStory {
    let root: URL
    let cast: DemoCast
    let grace: Double
    /// The daemon's logoff policy: force, wait or snapshot (DemoCommand checks it).
    let policy: String
    /// Told of the daemon and each child process, so that a signal ends them before the users go.
    let cleanup: DemoCleanup
    /// Called with each step's text as it happens (the text output; nothing for --json).
    let narrate: @Sendable (String) -> Void

    func run() async throws -> DemoReport {
        let socket = root.appendingPathComponent("run/socket").path
        let roaming = root.appendingPathComponent("roaming")
        let settings: [(key: String, value: String)] = [
            ("state_directory", root.appendingPathComponent("state").path),
            ("socket", socket),
            ("roaming_store", roaming.path),
            ("grace_period", String(grace)),
            ("logoff_policy", policy),
            ("service_accounts", cast.contoso.account),
            ("sid_domain", "1111-2222-3333"),
            ("kill_delay", "2"),
            ("demo_identity", cast.mode == .demoIdentity ? "true" : "false"),
            ("metrics_listen", "none"),
        ]
        cleanup.track(try DaemonProcess.start(settings: settings, configFile: root.appendingPathComponent("hivekeeperd.conf")))
        var children: [ChildProcess] = []
        defer { for child in children { child.stop() } }
        let system = try await RegistryClient.connect(socketPath: socket, demoIdentity: cast.mode == .demoIdentity ? "SYSTEM" : nil)
        do {
            let report = try await story(system, socket: socket, roaming: roaming, children: &children)
            system.close()
            await cleanup.stopDaemon()
            return report
        } catch {
            system.close()
            await cleanup.stopDaemon()
            throw error
        }
    }

    private func story(_ system: RegistryClient, socket: String, roaming: URL,
                       children: inout [ChildProcess]) async throws -> DemoReport {
        var report = DemoReport(mode: cast.mode.rawValue, policy: policy, gracePeriod: grace)
        narrate(cast.mode == .realUsers
            ? "A private hivekeeperd on \(socket); alice and the Contoso service are temporary Linux users (\(cast.alice.account), \(cast.contoso.account)), known to it by SO_PEERCRED."
            : "A private hivekeeperd on \(socket), in demo-identity mode (only this user's 0700 socket; processes name their account).")

        let session = try await system.logon(cast.alice.account)
        let sid = try await system.sessions().first { $0.id == UInt32(session) }?.sid ?? "?"
        report.session = session
        report.user = cast.alice.account
        report.sid = sid
        narrate("1. alice logs on: session \(session); her NTUSER.DAT is loaded at HKU\\\(sid).")

        let service = try start(.service, as: cast.contoso, socket: socket, impersonate: cast.alice.account)
        children.append(service.child)
        report.servicePid = service.pid
        let refs = try await system.handles(user: cast.alice.account)
        narrate("2. The Contoso service (pid \(service.pid), \(cast.contoso.account)) impersonates alice, opens HKCU\\Software and closes it.")
        for r in refs where r.pid == service.pid {
            narrate("   It still holds \(r.keyPath) without knowing: \(r.origin).")
        }

        let program = try start(.program, as: cast.alice, socket: socket)
        children.append(program.child)
        report.programPid = program.pid
        narrate("3. alice's program (pid \(program.pid)) saves HKCU\\Software\\Demo\\Color = blue.")

        narrate("4. alice logs off (policy \(policy), grace period \(grace) s):")
        let eventsBefore = try await system.events().next
        let started = Date()
        let watch = Task { await Self.watch(service: service.child, program: program.child, session: session, since: started,
                                             for: grace + 10) }
        let outcome = try await system.logoff(session: session)
        let seen = await watch.value
        report.unload = outcome.unload
        report.leaks = outcome.leaks
        report.uploaded = outcome.uploaded
        report.serviceNoticeAt = seen.noticeAt
        report.programEndedAt = seen.programEndedAt
        report.programSignal = program.child.endingSignal

        // The logoff as the event log tells it, with what the processes saw, in time order.
        let events = try await system.events(after: eventsBefore).lines.compactMap(DemoEvent.init)
        let logoffTime = events.first { $0.id == EventID.logoffReceived }?.time ?? started
        var timeline = events.map { DemoReport.Moment(at: $0.time.timeIntervalSince(logoffTime), what: "event \($0.id): \($0.message)",
                                                     details: $0.details) }
        if let at = seen.noticeAt {
            timeline.append(.init(at: started.addingTimeInterval(at).timeIntervalSince(logoffTime),
                                  what: "the Contoso service hears SERVICE_CONTROL_SESSIONCHANGE / WTS_SESSION_LOGOFF (6)", details: []))
        }
        if let at = seen.programEndedAt {
            let how = report.programSignal.map { $0 == SIGTERM ? "SIGTERM" : $0 == SIGKILL ? "SIGKILL" : "signal \($0)" } ?? "its own exit"
            timeline.append(.init(at: started.addingTimeInterval(at).timeIntervalSince(logoffTime),
                                  what: "alice's program (pid \(program.pid)) has ended (\(how))", details: []))
        }
        report.timeline = timeline.sorted { $0.at < $1.at }
        if let unloaded = events.first(where: { $0.id == EventID.hiveUnloaded }) {
            report.secondsToUnload = unloaded.time.timeIntervalSince(logoffTime)
        }
        for m in report.timeline {
            narrate(String(format: "   +%6.3f s  ", m.at) + m.what)
            for d in m.details { narrate("               " + d) }
        }

        service.child.send("probe")
        let probe = service.child.next(timeout: 10) ?? "no answer"
        report.serviceProbe = probe
        report.serviceError = probe.hasPrefix("probe error ") ? Int(probe.dropFirst("probe error ".count)) : nil
        let said = report.serviceError.map { Win32Error(rawValue: UInt32($0)).description } ?? "success"
        narrate("5. Afterwards the Contoso service, impersonating alice again, opens HKEY_CURRENT_USER\\Software: \(said).")

        if policy == "wait" {
            service.child.send("quit")
            _ = await service.child.waitForExit(seconds: 10)
            let done = try await waitForEvent(EventID.deferredUnloadDone, system, after: eventsBefore)
            narrate("   The service ended. \(done ?? "The hive is still loaded.")")
            report.uploaded = done != nil
        }

        // Where the directory store keeps it (docs/profiles.md: USER.V6/NTUSER.DAT), should the
        // outcome not say.
        let copy = outcome.roamingCopy
            ?? (report.uploaded ? roaming.appendingPathComponent("\(cast.alice.account).V6/NTUSER.DAT").path : nil)
        report.roamingCopy = copy
        report.roamingColor = copy.flatMap(Self.color(inHiveAt:))
        if let copy, let color = report.roamingColor {
            narrate("6. The roaming copy \(copy) has Software\\Demo\\Color = \(color).")
        } else {
            narrate("6. The roaming copy was not written.")
        }
        return report
    }

    private enum Role: String { case service, program }

    private func start(_ role: Role, as member: DemoCast.Member, socket: String,
                       impersonate: String? = nil) throws -> (child: ChildProcess, pid: Int32) {
        var args = ["demo-actor", role.rawValue]
        if let impersonate { args += ["--impersonate", impersonate] }
        let command = cast.command(as: member, socket: socket, args)
        let child = try ChildProcess(command.executable, command.arguments)
        cleanup.track(child)
        guard let line = child.next(timeout: 30), line.hasPrefix("ready "), let pid = Int32(line.dropFirst(6)) else {
            child.stop()
            throw CLIError("the \(role.rawValue) process (as \(member.account)) did not start"
                + (cast.mode == .realUsers ? "; can \(member.account) run \(DemoCast.ownExecutable())?" : ""))
        }
        return (child, pid)
    }

    /// What the service and the program show during the logoff: when the notice came, when the
    /// program ended (seconds since `since`).
    private static func watch(service: ChildProcess, program: ChildProcess, session: Int, since: Date,
                              for seconds: Double) async -> (noticeAt: Double?, programEndedAt: Double?) {
        async let notice: Double? = Task.detached {
            let expected = "notice 6 \(session)"
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline, let line = service.next(timeout: deadline.timeIntervalSinceNow) {
                if line == expected { return Date().timeIntervalSince(since) }
            }
            return nil
        }.value
        let ended = await program.waitForExit(seconds: seconds) ? Date().timeIntervalSince(since) : nil
        return (await notice, ended)
    }

    private func waitForEvent(_ id: Int, _ client: RegistryClient, after: Int) async throws -> String? {
        for _ in 0..<500 {
            if let e = try await client.events(after: after).lines.compactMap(DemoEvent.init).first(where: { $0.id == id }) {
                return e.message
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Software\Demo\Color in the hive file at `path`, read with our reader.
    static func color(inHiveAt path: String) -> String? {
        guard let hive = try? Hive(path: path), let key = try? hive.key(path: "Software\\Demo"),
              let v = try? hive.value(of: key, named: "Color"), let bytes = try? hive.data(of: v).bytes else { return nil }
        let units = stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        return String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
    }
}

/// One event of the daemon's log (its JSON line).
struct DemoEvent {
    let id: Int
    let time: Date
    let message: String
    let details: [String]

    init?(_ line: String) {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let id = o["id"] as? Int, let t = o["time"] as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let time = formatter.date(from: t) else { return nil }
        self.id = id
        self.time = time
        message = o["message"] as? String ?? ""
        details = o["details"] as? [String] ?? []
    }
}
