import Foundation
import Profiles
import Registry
import Security
import Testing

/// Who a service may impersonate (docs/security.md, "Impersonation"): LocalSystem anyone;
/// another service only a user with a live logon session — never a privileged identity — and,
/// once it had that user's token, again later (a token handle outlives the logon).
@Suite struct ImpersonationTests {
    @Test func aServiceImpersonatesOnlyLoggedOnUsers() async throws {
        let w = try World()
        let machine = w.machine
        let service = machine.startService("Contoso", executable: "/usr/lib/contoso", as: w.serviceAccount) { _ in }
        let other = machine.addAccount(name: "svc2", uid: 4002, isService: true)
        for privileged in [Account.system, other, machine.addAccount(name: "root2", uid: 0)] {
            #expect(throws: ProfileError.registry(.accessDenied)) { _ = try machine.impersonationToken(for: privileged, in: service.pid) }
        }
        #expect(throws: ProfileError.registry(.noSuchLogonSession)) { _ = try machine.impersonationToken(for: w.alice, in: service.pid) }
        let session = try await w.profiles.logon(w.alice)
        #expect(try machine.impersonationToken(for: w.alice, in: service.pid).user == w.alice.sid)
        _ = try await w.profiles.logoff(session: session)
        // The token it had is still its own; a service that never had it gets none.
        #expect(try machine.impersonationToken(for: w.alice, in: service.pid).user == w.alice.sid)
        let late = machine.startService("Late", executable: "/usr/lib/late", as: w.serviceAccount) { _ in }
        #expect(throws: ProfileError.registry(.noSuchLogonSession)) { _ = try machine.impersonationToken(for: w.alice, in: late.pid) }
        // LocalSystem may impersonate anyone, logged on or not.
        let system = machine.startService("System", executable: "/usr/lib/system", as: .system) { _ in }
        #expect(try machine.impersonationToken(for: other, in: system.pid).user == other.sid)
    }
}

/// A configured service account is a service however it is first found: by name (a Linux user
/// the user database knows) as well as by the uid of a connecting process (issue: `useradd
/// contoso` made the demo's service lose SeImpersonatePrivilege).
@Suite struct ServiceAccountTests {
    @Test(.enabled(if: getpwnam("nobody") != nil)) func aServiceFoundByNameIsAService() throws {
        let w = try World()
        w.machine.setServiceAccounts { $0 == "nobody" }
        let found = try #require(w.machine.account(named: "nobody"))
        #expect(found.isService && found.token.isEnabled(.impersonate))
        #expect(w.machine.account(uid: found.uid)?.isService == true)
    }
}
