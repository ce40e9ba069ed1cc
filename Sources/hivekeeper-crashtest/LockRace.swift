import Foundation
import Profiles
import RoamingSMB

#if canImport(Glibc)
import Glibc
#endif

/// A store from the command line: `smb://…` with a credentials file, or a directory.
func openStore(_ location: String, credentials: String) throws -> any RoamingStore {
    if location.lowercased().hasPrefix("smb://") {
        return try SMBStore(url: location, credentials: try SMBCredentials.load(file: credentials), timeout: .seconds(5))
    }
    return DirectoryStore(root: URL(fileURLWithPath: location))
}

/// One taker of the lock race (Tests/ProfilesTests/LockRaceTests.swift, scripts/lock-race): on
/// each line of its standard input —
///   take NOW     tries the lock once at time NOW (seconds since 1970) for 1000 s; "held G" after
///                checking the lease it got, "locked" when another holds it, "lost R" when the
///                check failed, "error R" otherwise
///   check NOW    checks its last lease at NOW: "ok" or "lost R"
///   release      gives its last lease back: "released"
/// The parent sends "take" to every taker at once, round after round, each round's NOW past the
/// last one's lease, so that they all race to take over the same stale lock.
func lockRace(_ args: [String]) async -> Never {
    guard args.count == 4 else {
        say("usage: hivekeeper-crashtest lock-race STORE CREDENTIALS USER OWNER")
        exit(2)
    }
    let store: any RoamingStore
    do {
        store = try openStore(args[0], credentials: args[1])
    } catch {
        say("error \(error)")
        exit(1)
    }
    let user = args[2], owner = args[3]
    var lease: StoreLease?
    while let line = readLine() {
        let words = line.split(separator: " ")
        let now = Date(timeIntervalSince1970: words.count > 1 ? Double(words[1]) ?? 0 : 0)
        switch words.first {
        case "take":
            do {
                let l = try await store.lock(user, owner: owner, now: now, lifetime: 1000)
                lease = l
                try await store.check(user, l, now: now)
                say("held \(l.generation)")
            } catch let e as StoreLocked {
                say("locked \(e.owner)")
            } catch let e as LeaseLost {
                say("lost \(e.reason)")
            } catch {
                say("error \(error)")
            }
        case "check":
            guard let l = lease else { say("lost no lease"); continue }
            do {
                try await store.check(user, l, now: now)
                say("ok")
            } catch {
                say("lost \(error)")
            }
        case "release":
            if let l = lease { await store.unlock(user, l) }
            say("released")
        default:
            say("error unknown command \(line)")
        }
    }
    exit(0)
}

/// A real lock holder to kill: takes USER's lock as OWNER for LIFETIME seconds (real time),
/// prints "locked G", then — renewing the lease meanwhile (LeaseKeeper) — uploads the FILEs in turn,
/// forever, each replace checked against the lease, printing "uploaded I" after each. Exits 3
/// with "lost R" when the lease is lost, 4 with "locked" when another holds the lock.
func lockedUploadLoop(_ args: [String]) async -> Never {
    guard args.count >= 6, let lifetime = Double(args[4]) else {
        say("usage: hivekeeper-crashtest lock-upload STORE CREDENTIALS USER OWNER LIFETIME FILE...")
        exit(2)
    }
    let user = args[2]
    do {
        let store = try openStore(args[0], credentials: args[1])
        let lease = try await store.lock(user, owner: args[3], now: Date(), lifetime: lifetime)
        let keeper = LeaseKeeper(store: store, user: user, lease: lease)
        say("locked \(lease.generation)")
        let files = args.dropFirst(5).map { URL(fileURLWithPath: $0) }
        var i = 0
        while true {
            try await store.upload(user, from: files[i % files.count], beforeReplace: { try await keeper.check() })
            say("uploaded \(i % files.count)")
            i += 1
        }
    } catch let e as LeaseLost {
        say("lost \(e.reason)")
        exit(3)
    } catch let e as StoreLocked {
        say("locked by \(e.owner)")
        exit(4)
    } catch {
        say("error \(error)")
        exit(1)
    }
}
