import Foundation

/// A real smbd on 127.0.0.1 with a private configuration (every path under a temporary
/// directory, nothing of the system's touched), one share `profiles` and one test user made for
/// it (a Linux user without a home, removed at `remove()`). Needs root and Debian's samba.
public final class SambaServer: @unchecked Sendable {
    public let dir: URL
    public let port: Int
    public let user: String
    public let password: String
    public var share: URL { dir.appendingPathComponent("share") }
    public var url: String { "smb://127.0.0.1:\(port)/profiles" }
    /// smbclient's `-A` file for the user, mode 600.
    public var credentialsFile: String { dir.appendingPathComponent("credentials").path }
    private var process: Process?
    private var config: String { dir.appendingPathComponent("smb.conf").path }

    /// Why no server can be started here, or nil when one can. CI sets HIVEKEEPER_REQUIRE_SAMBA
    /// so that a missing samba fails there instead of skipping.
    public static var unavailableReason: String? {
        if getuid() != 0 { return "Samba tests run as root (they add a test user)" }
        for tool in ["/usr/sbin/smbd", "/usr/bin/smbpasswd"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing: apt-get install samba"
        }
        return nil
    }
    public static var isAvailable: Bool {
        if ProcessInfo.processInfo.environment["HIVEKEEPER_REQUIRE_SAMBA"] != nil { return true }
        return unavailableReason == nil
    }

    public init() throws {
        if let reason = Self.unavailableReason { throw HarnessError(reason) }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hk-samba-\(UUID().uuidString.prefix(8))")
        user = "hks\(UUID().uuidString.prefix(8).lowercased())"
        password = "pw-\(UUID().uuidString.prefix(12))"
        port = try Self.freePort()
        let fm = FileManager.default
        for sub in ["share", "private", "lock", "state", "cache", "pid", "ncalrpc"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        chmod(dir.path, 0o755)
        let d = dir.path
        let conf = """
            [global]
            server role = standalone server
            interfaces = lo
            bind interfaces only = yes
            smb ports = \(port)
            disable netbios = yes
            server min protocol = SMB2_10
            passdb backend = tdbsam
            map to guest = never
            private dir = \(d)/private
            lock directory = \(d)/lock
            state directory = \(d)/state
            cache directory = \(d)/cache
            pid directory = \(d)/pid
            ncalrpc dir = \(d)/ncalrpc
            log file = \(d)/log
            load printers = no
            disable spoolss = yes
            [profiles]
            path = \(d)/share
            read only = no
            valid users = \(user)

            """
        try conf.write(toFile: config, atomically: true, encoding: .utf8)
        _ = try Self.run("/usr/sbin/useradd", ["-M", "-s", "/usr/sbin/nologin", user])
        do {
            _ = try Self.run("/usr/bin/smbpasswd", ["-c", config, "-s", "-a", user], stdin: "\(password)\n\(password)\n")
            _ = try Self.run("/bin/chown", [user, share.path])
            try "username = \(user)\npassword = \(password)\n".write(toFile: credentialsFile, atomically: true, encoding: .utf8)
            chmod(credentialsFile, 0o600)
            try start()
        } catch {
            remove()
            throw error
        }
    }

    /// Starts smbd and waits (bounded) until it accepts connections.
    public func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/smbd")
        p.arguments = ["--foreground", "--no-process-group", "--debug-stdout", "-s", config]
        let logPath = dir.appendingPathComponent("smbd.out").path
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = FileHandle(forWritingAtPath: logPath)
        _ = try? log?.seekToEnd()
        p.standardOutput = log
        p.standardError = log
        // Not our stdin: smbd in the foreground exits when a pipe on its stdin ends (as under
        // `swift test`, whose stdin is one).
        p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try p.run()
        process = p
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            guard p.isRunning else { break }
            usleep(50_000)
        }
        stop()
        let output = (try? String(contentsOf: dir.appendingPathComponent("smbd.out"), encoding: .utf8)) ?? ""
        throw HarnessError("smbd did not start listening on 127.0.0.1:\(port): \(output.suffix(1500))")
    }

    /// Stops smbd (SIGTERM, or the given signal) and waits for it and its children.
    public func stop(_ signal: Int32 = SIGTERM) {
        guard let p = process else { return }
        process = nil
        // smbd forks one child per connection; with --no-process-group they are not ours to
        // wait for, so every smbd of this configuration is signalled.
        _ = try? Self.run("/usr/bin/pkill", ["-\(signal)", "-f", "smbd .*-s \(config)"])
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        for _ in 0..<100 {
            if !Self.accepts(port) { break }
            usleep(20_000)
        }
    }

    /// Sends `signal` to smbd and its children (SIGSTOP: a server that stops answering).
    public func signal(_ signal: Int32) {
        _ = try? Self.run("/usr/bin/pkill", ["-\(signal)", "-f", "smbd .*-s \(config)"])
    }

    public var isRunning: Bool { process?.isRunning ?? false }

    /// Stops the server and removes its user and directory.
    public func remove() {
        stop(SIGKILL)
        _ = try? Self.run("/usr/sbin/userdel", [user])
        try? FileManager.default.removeItem(at: dir)
    }

    /// The share's file at `relative`, as the server stores it.
    public func file(_ relative: String) -> URL { share.appendingPathComponent(relative) }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A port nobody listens on now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw HarnessError("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
        let r = try runProgram(tool, arguments, stdin: stdin.map { Data($0.utf8) })
        guard r.status == 0 else { throw HarnessError("\(tool) \(arguments.joined(separator: " ")) failed: \(r.errText)\(r.outText)") }
        return r
    }
}

/// A test harness's failure to set something up.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
