import Dispatch
import Foundation
import Profiles
import Testing

/// The upload runs off the ProfileService actor: a store that does not answer holds up the
/// upload, not the service.
struct RoamingOffActorTests {
    @Test(.timeLimit(.minutes(1)))
    func theServiceAnswersWhileAnUploadIsStuck() async throws {
        let w = try World()
        let bob = w.machine.addAccount(name: "bob", uid: 1002)
        let session = try await w.profiles.logon(w.alice)
        // The next upload blocks (on its own thread) until released.
        let (entered, enteredInput) = AsyncStream.makeStream(of: Void.self)
        let release = DispatchSemaphore(value: 0)
        w.store.beforeNextUpload {
            enteredInput.yield()
            release.wait()
        }
        let profiles = w.profiles
        let logoff = Task { try await profiles.logoff(session: session) }
        for await _ in entered { break }
        // The upload is stuck in the store: the actor still logs bob on and answers queries.
        let bobSession = try await profiles.logon(bob)
        #expect(await profiles.activeSessions[bobSession]?.name == "bob")
        #expect(w.registry.isHiveLoaded(at: "\\REGISTRY\\USER\\\(bob.sid)"))
        release.signal()
        let outcome = try await logoff.value
        #expect(outcome.unload == .clean && outcome.uploaded)
        _ = try await profiles.logoff(session: bobSession)
    }

    /// The same for logon's question to the store: bob logs on and off while alice's logon waits
    /// for the store.
    @Test(.timeLimit(.minutes(1)))
    func theServiceAnswersWhileALogonWaitsForTheStore() async throws {
        let w = try World()
        let bob = w.machine.addAccount(name: "bob", uid: 1002)
        let (entered, enteredInput) = AsyncStream.makeStream(of: Void.self)
        let release = DispatchSemaphore(value: 0)
        w.store.beforeNextStamp {
            enteredInput.yield()
            release.wait()
        }
        let profiles = w.profiles, alice = w.alice
        let aliceLogon = Task { try await profiles.logon(alice) }
        for await _ in entered { break }
        let bobSession = try await profiles.logon(bob)
        let bobOff = try await profiles.logoff(session: bobSession)
        #expect(bobOff.unload == .clean && bobOff.uploaded)
        release.signal()
        let session = try await aliceLogon.value
        #expect(w.registry.isHiveLoaded(at: "\\REGISTRY\\USER\\\(alice.sid)"))
        _ = try await profiles.logoff(session: session)
    }
}
