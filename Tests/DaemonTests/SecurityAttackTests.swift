import Foundation
import Testing
import TestSupport

/// A root hivekeeperd attacked as an attacker would: real Linux users (created for the test)
/// running real client processes against the daemon's socket. Each attack must fail with the
/// Windows error code and change nothing; each has a control that shows the same call works
/// where it should (so a test cannot pass because the call is broken). docs/security.md.
/// Needs root (users, setpriv): CI runs as root, so these never skip there.
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd")
                           && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
struct SecurityAttackTests {
    /// Temporary Linux users: alice and bob (ordinary users) and a service account.
    final class Users {
        let alice = "hka\(getpid() % 100_000)"
        let bob = "hkb\(getpid() % 100_000)"
        let service = "hks\(getpid() % 100_000)"
        init() throws {
            for u in [alice, bob, service] {
                _ = try? runProgram("/usr/sbin/userdel", [u])
                let r = try runProgram("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", u])
                guard r.status == 0 else { throw HarnessError("useradd \(u): \(r.errText)") }
            }
        }
        deinit { for u in [alice, bob, service] { _ = try? runProgram("/usr/sbin/userdel", [u]) } }
        func uid(_ name: String) -> uid_t { getpwnam(name)!.pointee.pw_uid }
        func gid(_ name: String) -> gid_t { getpwnam(name)!.pointee.pw_gid }
    }

    /// One call by a client process, and its answer line (session-change notices a service is
    /// sent meanwhile are passed over).
    func call(_ actor: Actor, _ line: String) -> String {
        actor.send(line)
        while let answer = actor.lines.next(timeout: 20) {
            if !answer.hasPrefix("notice ") { return answer }
        }
        return "no answer"
    }

    func daemon(_ users: Users) throws -> DaemonHarness {
        try DaemonHarness(demo: false, extra: ["--service-account", users.service])
    }

    /// A directory only root can enter, as /etc/sudoers.d is.
    func rootOnlyDirectory(_ h: DaemonHarness) throws -> String {
        let d = h.dir.appendingPathComponent("root-only").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        chmod(d, 0o700)
        return d
    }

    // MARK: 1. Files are opened with the caller's rights

    @Test func loadAppKeyCannotMakeRootCreateOrOpenFiles() throws {
        let users = try Users()
        let h = try daemon(users)
        defer { h.stop() }
        let secret = try rootOnlyDirectory(h)
        let bob = try h.actor("client", runAs: users.bob)
        defer { bob.kill() }

        // A new hive in a directory only root may write: refused, nothing created.
        let planted = secret + "/nologin"
        #expect(call(bob, "loadappkey \(planted)") == "error 5")
        #expect(!FileManager.default.fileExists(atPath: planted))
        #expect(!FileManager.default.fileExists(atPath: planted + ".LOG1"))
        // In a world-writable directory the file exists, but is root's and not writable by bob.
        let rootsHive = h.dir.appendingPathComponent("roots.hiv").path
        #expect(try h.cli(["add", "--hive", rootsHive, "Software\\X", "/v", "Secret", "/d", "root's"], as: nil).status == 0)
        chmod(rootsHive, 0o644)
        #expect(call(bob, "loadappkey \(rootsHive)") == "error 5")
        // A relative path would be the daemon's working directory's: refused as a bad path.
        #expect(call(bob, "loadappkey relative.hiv") == "error 161")

        // Control: in a directory of bob's own the hive is created, and it is bob's.
        let own = h.dir.appendingPathComponent("bob").path
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        chown(own, users.uid(users.bob), users.gid(users.bob))
        #expect(call(bob, "loadappkey \(own)/app.hiv").hasPrefix("ok "))
        var st = stat()
        #expect(stat(own + "/app.hiv", &st) == 0 && st.st_uid == users.uid(users.bob))
        #expect(stat(own + "/app.hiv.LOG1", &st) == 0 && st.st_uid == users.uid(users.bob))
        // The same file through another path (a symbolic link) is the hive already loaded.
        symlink(own + "/app.hiv", own + "/again.hiv")
        #expect(call(bob, "loadappkey \(own)/again.hiv").hasPrefix("ok "))
    }

    /// Saving and loading need privileges only SYSTEM has; the file rights behind them are
    /// FileIdentityTests' (a privileged caller with a user's files).
    @Test func saveAndLoadNeedSystemsPrivileges() throws {
        let users = try Users()
        let h = try daemon(users)
        defer { h.stop() }
        let secret = try rootOnlyDirectory(h)
        // Root's own save still works where root may write (control).
        #expect(try h.cli(["save", "HKLM\\SOFTWARE", secret + "/software.hiv"], as: nil).status == 0)
        // A service has no backup or restore privilege, as itself or impersonating.
        let service = try h.actor("client", runAs: users.service)
        defer { service.kill() }
        #expect(call(service, "save HKLM\\SOFTWARE \(secret)/stolen.hiv") == "error 1314")
        #expect(!FileManager.default.fileExists(atPath: secret + "/stolen.hiv"))
        #expect(call(service, "load HKLM\\STOLEN \(secret)/software.hiv") == "error 1314")
    }

    // MARK: 2. Impersonation never reaches SYSTEM

    @Test func aServiceCannotImpersonateSystemOrAnIdleUser() throws {
        let users = try Users()
        let h = try daemon(users)
        defer { h.stop() }
        let service = try h.actor("client", runAs: users.service)
        defer { service.kill() }
        for privileged in ["SYSTEM", "root", users.service] {
            #expect(call(service, "as \(privileged) open HKLM\\SOFTWARE 20019") == "error 5", "\(privileged)")
            #expect(call(service, "as \(privileged) events") == "error 5", "\(privileged)")
        }
        // alice has no logon session: no token of hers to be had.
        #expect(call(service, "as \(users.alice) open HKCU\\Software 20019") == "error 1312")
        #expect(try h.cli(["session", "logon", users.alice], as: nil).status == 0)
        // Control: once she is logged on, the service may act as her, and only as her.
        #expect(call(service, "as \(users.alice) open HKCU\\Software 20019").hasPrefix("ok "))
        #expect(call(service, "as \(users.alice) events").hasPrefix("ok "))
        // An ordinary user has no impersonation privilege at all.
        let bob = try h.actor("client", runAs: users.bob)
        defer { bob.kill() }
        #expect(call(bob, "as \(users.alice) open HKCU\\Software 20019") == "error 1314")
    }

    @Test func sessionCallsUseTheThreadsIdentity() throws {
        let users = try Users()
        let h = try daemon(users)
        defer { h.stop() }
        #expect(try h.cli(["session", "logon", users.alice], as: nil).status == 0)
        // A root process's thread impersonating alice is alice for every call: no logon of
        // others, no one else's events.
        let root = try h.actor("client")
        defer { root.kill() }
        #expect(call(root, "as \(users.alice) logon \(users.bob)") == "error 1314")
        #expect(call(root, "as \(users.alice) events") == "ok \(users.alice)")
        #expect(call(root, "as \(users.alice) handles \(users.bob)") == "error 5")
        // Control: as itself, root may.
        #expect(call(root, "logon \(users.bob)").hasPrefix("ok "))
    }

    // MARK: 3. One user cannot pin or block another's hive

    @Test func anotherUsersHiveCannotBePinnedOrBlocked() throws {
        let users = try Users()
        let h = try daemon(users)
        defer { h.stop() }
        let logon = try h.cli(["session", "logon", users.alice], as: nil)
        #expect(logon.status == 0)
        let sid = try #require(try h.cli(["session", "list"], as: nil).outText.split(separator: "\t").dropFirst(2).first)
        let bob = try h.actor("client", runAs: users.bob)
        defer { bob.kill() }
        // Access 0 is no way around her hive's DACL.
        #expect(call(bob, "open HKU\\\(sid) 0") == "error 5")
        #expect(call(bob, "open HKU\\\(sid)\\Software 0") == "error 5")
        let refs = try h.cli(["handles", "--user", users.alice], as: nil)
        #expect(refs.status == 0 && !refs.outText.contains(users.bob), "\(refs.outText)")
        // Control: alice herself may open her own hive with access 0.
        let alice = try h.actor("client", runAs: users.alice)
        #expect(call(alice, "open HKU\\\(sid) 0").hasPrefix("ok "))
        alice.kill()

        // Logged off, her NTUSER.DAT cannot be taken by bob as an app hive (her next logon
        // would fail with ERROR_SHARING_VIOLATION for as long as he held it).
        #expect(try h.cli(["session", "logoff", "1"], as: nil).status == 0)
        let hive = h.dir.appendingPathComponent("state/profiles/\(users.alice)/NTUSER.DAT").path
        #expect(FileManager.default.fileExists(atPath: hive))
        #expect(call(bob, "loadappkey \(hive)") == "error 5")
        #expect(try h.cli(["session", "logon", users.alice], as: nil).status == 0)
    }

    // MARK: 4. Files on disk are root's alone

    @Test func stateFilesArePrivateWhateverTheUmask() throws {
        let users = try Users()
        let old = umask(0o022)
        defer { umask(old) }
        let h = try daemon(users)
        defer { h.stop() }
        #expect(try h.cli(["session", "logon", users.alice], as: nil).status == 0)
        #expect(try h.cli(["session", "logoff", "1"], as: nil).status == 0)
        let state = h.dir.appendingPathComponent("state").path
        var loose: [String] = []
        for relative in FileManager.default.enumerator(atPath: state)?.allObjects as? [String] ?? [] {
            var st = stat()
            if lstat(state + "/" + relative, &st) == 0, st.st_mode & S_IFMT != S_IFLNK, st.st_mode & 0o077 != 0 {
                loose.append("\(relative) \(String(st.st_mode & 0o777, radix: 8))")
            }
        }
        #expect(loose.isEmpty, "\(loose)")
        // bob cannot read her hive (he could copy it and read her values).
        let hive = state + "/profiles/\(users.alice)/NTUSER.DAT"
        let copy = try runProgram("/usr/bin/setpriv", ["--reuid=\(users.uid(users.bob))", "--regid=\(users.gid(users.bob))",
                                                        "--clear-groups", "/bin/cat", hive])
        #expect(copy.status != 0 && copy.outText.isEmpty)
        // Files an earlier daemon left readable are made private at start.
        let events = state + "/events.jsonl"
        chmod(state, 0o755)
        chmod(events, 0o644)
        h.crash()
        try h.restart()
        var st = stat()
        #expect(stat(state, &st) == 0 && st.st_mode & 0o077 == 0)
        #expect(stat(events, &st) == 0 && st.st_mode & 0o077 == 0)
    }

    // MARK: 6. User names that are paths

    @Test func aUserNamedLikeAPathHasNoProfile() throws {
        let users = try Users()
        let bad = "../../hkx\(getpid() % 100_000)"
        _ = try? runProgram("/usr/sbin/userdel", [bad])
        let made = try runProgram("/usr/sbin/useradd", ["--badname", "--no-create-home", "--shell", "/usr/sbin/nologin", bad])
        #expect(made.status == 0, "\(made.errText)")
        defer { _ = try? runProgram("/usr/sbin/userdel", [bad]) }
        let h = try daemon(users)
        defer { h.stop() }
        let logon = try h.cli(["session", "logon", bad], as: nil)
        #expect(logon.status == 1 && logon.errText.contains("1332"), "\(logon.errText)")
        // Nothing was written outside the state directory (…/state/profiles/../../hkx → the test dir).
        #expect(!FileManager.default.fileExists(atPath: h.dir.appendingPathComponent(String(bad.dropFirst(6))).path))
        // Such a user cannot even connect: no account, no profile.
        let uid = try #require(getpwnam(bad)).pointee.pw_uid
        let r = try runProgram("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups",
                                                     builtProduct("hivekeeper"), "query", "HKLM\\SOFTWARE", "--socket", h.socket])
        #expect(r.status == 1 && r.errText.contains("1332"), "\(r.errText)")
    }
}
