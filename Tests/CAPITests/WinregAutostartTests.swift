import Foundation
import Testing
import TestSupport

/// The private per-user daemon a C program starts when none answers (docs/c-api.md).
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd"), "needs root (a real Linux user)"))
struct WinregAutostartTests {
    /// The live hivekeeperd processes of `uid`.
    static func daemons(of uid: uid_t) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
            let lines = status.split(separator: "\n")
            let name = lines.first { $0.hasPrefix("Name:") }?.split(separator: "\t").last
            let state = lines.first { $0.hasPrefix("State:") } ?? ""
            let realUID = lines.first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first
            return name == "hivekeeperd" && !state.contains("zombie") && realUID.flatMap { uid_t($0) } == uid
        }
    }

    @Test func twoProgramsAtOnceStartOneDaemonAndUseIt() async throws {
        let program = try CLibrary.compile(["winreg_autostart.c"], flags: ["-std=c11"], output: "winreg_autostart")
        let user = "hkwr\(getpid() % 100_000)"
        _ = try runProgram("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user])
        defer { _ = try? runProgram("/usr/sbin/userdel", [user]) }
        guard let pw = getpwnam(user) else { throw HarnessError("no user \(user)") }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-autostart-\(UUID().uuidString.prefix(8))")
        defer {
            for pid in Self.daemons(of: uid) { kill(pid, SIGTERM) }
            try? FileManager.default.removeItem(at: dir)
        }
        for sub in ["run", "state", "bin"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        chmod(dir.path, 0o755)
        chown(dir.appendingPathComponent("run").path, uid, gid)
        chown(dir.appendingPathComponent("state").path, uid, gid)
        // The user cannot reach this build's directory: a copy of the daemon beside.
        let daemon = dir.appendingPathComponent("bin/hivekeeperd").path
        try FileManager.default.copyItem(atPath: builtProduct("hivekeeperd"), toPath: daemon)
        chmod(dir.appendingPathComponent("bin").path, 0o755)
        let environment = ["HOME=\(dir.path)/state", "XDG_RUNTIME_DIR=\(dir.path)/run", "XDG_STATE_HOME=\(dir.path)/state",
                           "HIVEKEEPER_DAEMON=\(daemon)", "PATH=/usr/bin:/bin"]
        let asUser = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "/usr/bin/env", "-i"] + environment

        let runs = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<2 {
                group.addTask { try await onOwnThread { try runProgram("/usr/bin/setpriv", asUser + [program.path]).outText } }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(runs == ["ok\n", "ok\n"], "\(runs)")
        #expect(Self.daemons(of: uid).count == 1, "one daemon for the user")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("state/hivekeeper/state").path), "its state")

        // Off: a clear error, and no daemon started.
        for pid in Self.daemons(of: uid) { kill(pid, SIGTERM) }
        let off = try await onOwnThread {
            try runProgram("/usr/bin/setpriv", asUser + ["HIVEKEEPER_NO_AUTOSTART=1", "XDG_RUNTIME_DIR=\(dir.path)/state", program.path]).outText
        }
        #expect(off == "RegOpenKeyExA: 1722\n", "\(off)")
    }
}
