#if canImport(Glibc)
import Glibc
#endif
import RegistryClient

/// A private per-user daemon, started when none answers at the user's default socket, as Wine
/// starts wineserver: hivekeeperd runs as the user, with its state under
/// `$XDG_STATE_HOME/hivekeeper` (else `~/.local/state/hivekeeper`), its socket the default one
/// under `$XDG_RUNTIME_DIR`, its own HKLM, and its log in the state directory. A lock file
/// beside the socket keeps two processes from starting two. Off with HIVEKEEPER_NO_AUTOSTART=1,
/// when HIVEKEEPER_SOCKET names a socket, and for root (whose registry is the system daemon's).
/// The daemon is `$HIVEKEEPER_DAEMON`, else `hivekeeperd` on the PATH.
enum Autostart {
    static var enabled: Bool {
        if let off = getenv("HIVEKEEPER_NO_AUTOSTART"), String(cString: off) == "1" { return false }
        if let s = getenv("HIVEKEEPER_SOCKET"), s.pointee != 0 { return false }
        return getuid() != 0
    }

    private static func env(_ name: String) -> String? {
        guard let v = getenv(name), v.pointee != 0 else { return nil }
        return String(cString: v)
    }

    /// Starts the daemon for `socket` unless one answers there by the time the lock is ours;
    /// true when one should answer now.
    static func start(socket: String) -> Bool {
        guard let slash = socket.lastIndex(of: "/") else { return false }
        let runtime = String(socket[..<slash])
        guard makeDirectory(runtime) else { return false }
        let lock = open(runtime + "/autostart.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return false }
        defer { close(lock) }  // releases the flock
        guard flock(lock, LOCK_EX) == 0 else { return false }
        if (try? Connection.open(socket)) != nil { return true }  // another process started it
        guard let daemon = env("HIVEKEEPER_DAEMON") ?? findOnPath("hivekeeperd") else { return false }
        let home = env("HOME") ?? "/tmp"
        let state = (env("XDG_STATE_HOME") ?? home + "/.local/state") + "/hivekeeper"
        guard makeDirectory(state) else { return false }
        unlink(socket)  // a socket left by a daemon that died
        // Through sh, so the daemon is not this process's child (no zombie when it ends) and is
        // in a session of its own.
        let script = "setsid \"$0\" \"$@\" </dev/null >/dev/null 2>>\"$HIVEKEEPER_AUTOSTART_LOG\" &"
        let arguments = ["/bin/sh", "-c", script, daemon, "--socket", socket, "--state", state + "/state",
                         "--roaming", "none", "--metrics-listen", "none", "--log-level", "warning"]
        guard spawn(arguments, log: state + "/hivekeeperd.log") else { return false }
        // Wait for it to answer (it writes its socket when it is ready), up to 30 s.
        for _ in 0..<1500 {
            if (try? Connection.open(socket)) != nil { return true }
            usleep(20_000)
        }
        return false
    }

    private static func makeDirectory(_ path: String) -> Bool {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { return false }
        }
        return true
    }

    private static func findOnPath(_ name: String) -> String? {
        for dir in (env("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs `arguments` (sh, which backgrounds the daemon and exits) and waits for it.
    private static func spawn(_ arguments: [String], log: String) -> Bool {
        var environment = [String]()
        var p = environ
        while let entry = p.pointee {
            environment.append(String(cString: entry))
            p += 1
        }
        environment.append("HIVEKEEPER_AUTOSTART_LOG=\(log)")
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for a in argv { free(a) }
            for e in envp { free(e) }
        }
        // Nothing of this process's but the standard descriptors goes to the daemon: an
        // inherited pipe would keep whoever reads its other end waiting for as long as it runs.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var pid = pid_t()
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, &envp) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return true
    }

    /// This process's open descriptors (/proc/self/fd), taken before the spawn.
    private static func openDescriptors() -> [Int32] {
        guard let dir = opendir("/proc/self/fd") else { return [] }
        defer { closedir(dir) }
        let own = dirfd(dir)
        var fds: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd != own { fds.append(fd) }
        }
        return fds
    }
}
