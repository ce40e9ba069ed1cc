import Foundation

/// Who plays alice and the Contoso service in the demo. As root: real temporary Linux users,
/// created now and removed afterwards, whose processes the daemon knows by SO_PEERCRED. Otherwise
/// (or with --demo-identity): names the processes give a demo-identity daemon (docs/daemon.md).
struct DemoCast {
    enum Mode: String { case realUsers = "real-users", demoIdentity = "demo-identity" }

    struct Member {
        /// The role's name in the story (alice, contoso).
        let role: String
        /// The account the daemon knows: the Linux user, or the demo identity.
        let account: String
        let uid: UInt32?
        let gid: UInt32?
    }

    let mode: Mode
    let alice: Member
    let contoso: Member

    static let useradd = "/usr/sbin/useradd", userdel = "/usr/sbin/userdel", setpriv = "/usr/bin/setpriv"

    /// Real users when root and the tools are there (unless `forceDemoIdentity`).
    static func canUseRealUsers() -> Bool {
        getuid() == 0 && [useradd, userdel, setpriv].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func make(realUsers: Bool) throws -> DemoCast {
        guard realUsers else {
            return DemoCast(mode: .demoIdentity, alice: Member(role: "alice", account: "alice", uid: nil, gid: nil),
                            contoso: Member(role: "contoso", account: "contoso", uid: nil, gid: nil))
        }
        // Names no real user has: the role, then a random tag.
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let alice = try createUser("hk-alice-\(tag)", role: "alice")
        do {
            let contoso = try createUser("hk-contoso-\(tag)", role: "contoso")
            return DemoCast(mode: .realUsers, alice: alice, contoso: contoso)
        } catch {
            removeUser(alice.account, uid: alice.uid)
            throw error
        }
    }

    private static func createUser(_ name: String, role: String) throws -> Member {
        let status = run(useradd, ["--no-create-home", "--shell", "/usr/sbin/nologin", name])
        guard status == 0, let pw = getpwnam(name) else {
            throw CLIError("cannot create the temporary Linux user \(name) for \(role) (useradd exit \(status))")
        }
        return Member(role: role, account: name, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
    }

    /// Removes a temporary user, first ending any process still running as it (userdel
    /// refuses a user with processes); a user that cannot be removed is said, never left quietly.
    private static func removeUser(_ name: String, uid: UInt32?) {
        if let uid { endProcesses(of: uid) }
        let status = run(userdel, [name])
        if status != 0 {
            Diagnostics.say("ERROR: cannot remove the demo's temporary Linux user \(name) (userdel exit \(status)); remove it with: userdel \(name)")
        }
    }

    /// SIGKILL to every process whose real uid is `uid` (a temporary user: all of them are the
    /// demo's), then a bounded wait for them to go.
    private static func endProcesses(of uid: UInt32) {
        func running() -> [pid_t] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap { pid_t($0) }.filter { pid in
                guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }),
                      let real = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first else { return false }
                // A zombie cannot be killed: its parent (this process, for the actors) reaps it.
                return UInt32(real) == uid && !status.contains("State:\tZ")
            }
        }
        for _ in 0..<100 {
            let pids = running()
            if pids.isEmpty { return }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(20_000)
        }
    }

    /// Removes the temporary users (real-users mode).
    func tearDown() {
        guard mode == .realUsers else { return }
        Self.removeUser(alice.account, uid: alice.uid)
        Self.removeUser(contoso.account, uid: contoso.uid)
    }

    /// The command line that runs `arguments` of our own executable as `member`, connecting to
    /// `socket`: through setpriv as the member's uid, or naming the demo identity.
    func command(as member: Member, socket: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        let me = Self.ownExecutable()
        let args = arguments + ["--socket", socket]
        guard mode == .realUsers, let uid = member.uid, let gid = member.gid else {
            return (me, args + ["--as", member.account])
        }
        return (Self.setpriv, ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", me] + args)
    }

    /// This program's own file (the actors are its hidden `demo-actor` subcommand).
    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
