import Foundation
import HiveFormat
import Profiles
import Registry
import RegistryTypes
import Testing

/// `chaosForceUnload` (docs/profiles.md "Chaos"): meet ERROR_KEY_DELETED through the HKCU cache
/// on demand (windows-semantics.md §2.1: [C4] forced it by hand, [C3] says a logoff's forced
/// unload does it) without waiting for a logoff.
struct ChaosTests {
    @Test func aLeakingServiceMeetsKeyDeletedWhileTheUserGoesOn() async throws {
        let w = try World()
        let registry = w.registry, machine = w.machine
        let session = try await w.profiles.logon(w.alice)
        let shell = machine.startProcess("/usr/bin/explorer", as: w.alice, session: session)
        let service = machine.startService("Contoso", executable: "/usr/lib/contoso/contosod", as: w.serviceAccount) { _ in }
        let leaked: KeyHandle = try await machine.impersonate(w.alice, in: service.pid) {
            try registry.openKey(.currentUser, "Software", access: .keyRead, as: machine.caller(service.pid))
        }
        let asShell = try machine.caller(shell.pid)
        let (demo, _) = try registry.createKey(.currentUser, "Software\\Demo", access: .keyAllAccess, as: asShell)
        try registry.setValue(demo, "Color", type: .string, data: w.utf16z("blue"), as: asShell)

        let broken = try await w.profiles.chaosForceUnload(w.alice)
        // Everything that referenced her hive before: the service's handle and HKCU cache, and
        // her own shell's handle and cache.
        #expect(broken.entries.contains { $0.reference.process == service.pid && $0.reference.kind == .predefinedCache })
        #expect(broken.entries.contains { $0.reference.handle == leaked })
        #expect(broken.entries.contains { $0.reference.handle == demo })
        let asService = try machine.caller(service.pid)
        #expect(throws: Win32Error.keyDeleted) { _ = try registry.queryValue(leaked, "x", as: asService) }
        #expect(throws: Win32Error.keyDeleted) { _ = try registry.openKey(.currentUser, "Software", access: .keyRead, as: asService) }
        #expect(throws: Win32Error.keyDeleted) { _ = try registry.queryValue(demo, "Color", as: asShell) }
        #expect(w.ids.contains(EventID.chaosForcedUnload))
        #expect(w.events.all.first { $0.id == EventID.chaosForcedUnload }?.details == broken.lines)

        // She is still logged on, her setting kept (flushed before the unload), and new opens
        // work — through HKU\<SID>; her process's old HKCU cache is one of the broken references.
        #expect(await w.profiles.activeSessions[session]?.name == "alice")
        let fresh = try registry.openKey(.users, "\(w.alice.sid)\\Software\\Demo", access: .keyRead, as: asShell)
        #expect(try registry.queryValue(fresh, "Color", as: asShell).data == w.utf16z("blue"))
        let next = machine.startProcess("/usr/bin/app", as: w.alice, session: session)
        let viaHKCU = try registry.openKey(.currentUser, "Software\\Demo", access: .keyRead, as: machine.caller(next.pid))
        #expect(try registry.queryValue(viaHKCU, "Color", as: machine.caller(next.pid)).data == w.utf16z("blue"))
        try registry.closeKey(fresh, as: asShell)
        try registry.closeKey(viaHKCU, as: machine.caller(next.pid))
        machine.endProcess(next.pid)

        // And her logoff afterwards is an ordinary one (the service's dead references hold nothing).
        machine.endProcess(shell.pid)
        let outcome = try await w.profiles.logoff(session: session)
        #expect(outcome.unload == .clean && outcome.uploaded)
    }

    @Test func aUserWhoseProfileIsNotLoadedIsNotFound() async throws {
        let w = try World()
        await #expect(throws: ProfileError.registry(.fileNotFound)) { _ = try await w.profiles.chaosForceUnload(w.alice) }
    }
}
