import Foundation
import Profiles
import Testing

/// The roaming store's calls are async and hold no executor: a store that does not answer holds
/// up the upload (or the logon that asked it), not the ProfileService actor.
///
/// No wall-clock limit: under a full `swift test` these ran past a one-minute limit while
/// passing alone in 0.06 s. The synchronous tests (CLITests, DaemonTests: child processes,
/// sockets) block Swift's cooperative pool — two threads on a 2-core machine — and every await
/// here (each actor hop, each store call's resumption) queued behind them: measured 23–30 s
/// with only CLITests and DaemonTests beside them. Time measured that way is the suite's, not
/// the service's. So nothing here blocks a thread (the stuck store is an await that does not
/// return), the store is always released, and the verdict is the order of events: bob's logon
/// (and logoff) end while alice's store call still waits. Were the service to wait for that
/// call, the test would not end (the suite's own time-out reports it), however slow the run.
struct RoamingOffActorTests {
    @Test func theServiceAnswersWhileAnUploadIsStuck() async throws {
        let w = try World()
        let bob = w.machine.addAccount(name: "bob", uid: 1002)
        let session = try await w.profiles.logon(w.alice)
        // The next upload does not answer until released.
        let stuck = StuckCall()
        defer { stuck.release() }  // a failing test leaves no upload waiting
        w.store.beforeNextUpload { await stuck.wait() }
        let profiles = w.profiles
        let logoff = Task { try await profiles.logoff(session: session) }
        await stuck.entered()
        // The upload is stuck in the store: the actor still logs bob on and answers queries.
        let bobSession = try await profiles.logon(bob)
        #expect(await profiles.activeSessions[bobSession]?.name == "bob")
        #expect(w.registry.isHiveLoaded(at: "\\REGISTRY\\USER\\\(bob.sid)"))
        stuck.release()
        let outcome = try await logoff.value
        #expect(outcome.unload == .clean && outcome.uploaded)
        _ = try await profiles.logoff(session: bobSession)
    }

    /// The same for logon's question to the store: bob logs on and off while alice's logon waits
    /// for the store.
    @Test func theServiceAnswersWhileALogonWaitsForTheStore() async throws {
        let w = try World()
        let bob = w.machine.addAccount(name: "bob", uid: 1002)
        let stuck = StuckCall()
        defer { stuck.release() }
        w.store.beforeNextStamp { await stuck.wait() }
        let profiles = w.profiles, alice = w.alice
        let aliceLogon = Task { try await profiles.logon(alice) }
        await stuck.entered()
        let bobSession = try await profiles.logon(bob)
        let bobOff = try await profiles.logoff(session: bobSession)
        #expect(bobOff.unload == .clean && bobOff.uploaded)
        stuck.release()
        let session = try await aliceLogon.value
        #expect(w.registry.isHiveLoaded(at: "\\REGISTRY\\USER\\\(alice.sid)"))
        _ = try await profiles.logoff(session: session)
    }
}

/// A store call that does not answer until the test releases it: an await that does not return
/// (no thread is held meanwhile).
final class StuckCall: Sendable {
    private let enteredCalls = AsyncStream.makeStream(of: Void.self)
    private let releases = AsyncStream.makeStream(of: Void.self)

    /// The store's side: says it was called, then waits for the release.
    func wait() async {
        enteredCalls.continuation.yield()
        for await _ in releases.stream { return }
    }

    /// The test's side: returns once the store was called.
    func entered() async {
        for await _ in enteredCalls.stream { return }
    }

    func release() { releases.continuation.finish() }
}
