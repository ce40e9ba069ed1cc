import Foundation
import RegistryServer
import Testing
import TestSupport

/// What hivekeeperd's settings derive from each other: the roaming store follows the state
/// directory unless it is set itself (docs/daemon.md).
@Suite struct ConfigurationTests {
    static let rootDefaults = DaemonConfiguration.defaults(uid: 0, environment: [:])

    @Test func theRoamingStoreFollowsTheStateDirectory() throws {
        #expect(Self.rootDefaults.roamingStore == "/var/lib/hivekeeper/roaming")
        let moved = try DaemonConfiguration.parse("state_directory = /tmp/hk/state", file: "f", over: Self.rootDefaults)
        #expect(moved.roamingStore == "/tmp/hk/state/roaming")
        // Set in code, too.
        var c = Self.rootDefaults
        c.stateDirectory = "/srv/hk"
        #expect(c.roamingStore == "/srv/hk/roaming")
        // A user's daemon: under its own state directory.
        let user = DaemonConfiguration.defaults(uid: 1000, environment: ["HOME": "/home/u"])
        #expect(user.roamingStore == "/home/u/.local/state/hivekeeper/roaming")
    }

    @Test func anExplicitRoamingStoreWins() throws {
        // Before or after the state directory, in one file or over another's result.
        for text in ["roaming_store = /r\nstate_directory = /s", "state_directory = /s\nroaming_store = /r"] {
            let c = try DaemonConfiguration.parse(text, file: "f", over: Self.rootDefaults)
            #expect(c.stateDirectory == "/s")
            #expect(c.roamingStore == "/r")
        }
        let file = try DaemonConfiguration.parse("roaming_store = /r", file: "f", over: Self.rootDefaults)
        let overridden = try DaemonConfiguration.parse("state_directory = /s", file: "command line", over: file)
        #expect(overridden.roamingStore == "/r")
        let none = try DaemonConfiguration.parse("roaming_store = none\nstate_directory = /s", file: "f", over: Self.rootDefaults)
        #expect(none.roamingStore == nil)
        var c = Self.rootDefaults
        c.roamingStore = "smb://server/share/profiles"
        c.stateDirectory = "/s"
        #expect(c.roamingStore == "smb://server/share/profiles")
    }

    /// The README's throwaway daemon, `hivekeeperd --state DIR` with no store named: alice's
    /// logoff uploads into DIR/roaming, not into the system daemon's store.
    @Test func aDaemonGivenAStateDirectoryUploadsUnderIt() throws {
        let h = try DaemonHarness(defaultRoaming: true)
        defer { h.stop() }
        let logon = try h.cli(["session", "logon", "alice"])
        #expect(logon.status == 0, "\(logon.errText)")
        let id = logon.outText.trimmingCharacters(in: .whitespacesAndNewlines)
        let logoff = try h.cli(["session", "logoff", id, "--json"])
        #expect(logoff.status == 0, "\(logoff.errText)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(logoff.outText.utf8)) as? [String: Any])
        #expect(o["uploaded"] as? Bool == true)
        let uploaded = h.dir.appendingPathComponent("state/roaming/alice.V6/NTUSER.DAT").path
        #expect(FileManager.default.fileExists(atPath: uploaded))
        #expect(!logon.errText.contains("warning"), "\(logon.errText)")
        // `session logon` used to print only the id when the profile fell back to a temporary one.
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: uploaded))
        let again = try h.cli(["session", "logon", "alice"])
        #expect(again.status == 0, "\(again.errText)")
        #expect(Int(again.outText.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(again.outText)")
        #expect(again.errText.contains("warning: alice: event 1511: "), "\(again.errText)")
        // And a logoff with nothing to end says so rather than printing an empty list.
        let id2 = again.outText.trimmingCharacters(in: .whitespacesAndNewlines)
        let plain = try h.cli(["session", "logoff", id2])
        #expect(plain.outText.contains("processes ended: none"), "\(plain.outText)")
    }
}
