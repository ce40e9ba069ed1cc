import Foundation
import Profiles
import RoamingSMB

/// scripts/bench-smb's measuring side: uploads FILE as a user's NTUSER.DAT through SMBStore
/// RUNS times (after one warm-up that makes the connection), printing each run's seconds for
/// the store's upload alone and for the logoff's whole upload step around it (store lock,
/// a lease check before each replacing step, the check that the store's copy is still the one fetched at logon, upload, unlock).
func benchmarkSMBUpload(url: String, credentials: String, file: String, runs: Int) async {
    do {
        let store = try SMBStore(url: url, credentials: try SMBCredentials.load(file: credentials))
        let local = URL(fileURLWithPath: file)
        try await store.upload("bench", from: local)
        var upload: [Double] = [], step: [Double] = []
        for _ in 0..<runs {
            let t0 = now()
            try await store.upload("bench", from: local)
            upload.append(now() - t0)
        }
        for _ in 0..<runs {
            let t0 = now()
            let lease = try await store.lock("bench", owner: "bench", now: Date(), lifetime: 60)
            _ = try await store.stamp(of: "bench")  // unchanged since "logon": the stamp is all it reads
            try await store.upload("bench", from: local, beforeReplace: { try await store.check("bench", lease, now: Date()) })
            await store.unlock("bench", lease)
            step.append(now() - t0)
        }
        // The store lock's share of the step: taking and releasing it, and one lease check
        // (a read of the lock file and a listing), of which the upload makes five.
        var lockUnlock: [Double] = [], check: [Double] = []
        for _ in 0..<runs {
            let t0 = now()
            let lease = try await store.lock("bench", owner: "bench", now: Date(), lifetime: 60)
            let t1 = now()
            try await store.check("bench", lease, now: Date())
            let t2 = now()
            await store.unlock("bench", lease)
            lockUnlock.append(t1 - t0 + now() - t2)
            check.append(t2 - t1)
        }
        func show(_ xs: [Double]) -> String {
            let s = xs.sorted()
            return String(format: "best %.4f s, median %.4f s", s[0], s[s.count / 2])
        }
        print("SMBStore.upload: \(show(upload))")
        print("upload step (lock, check, upload, unlock): \(show(step))")
        print("store lock taken and released: \(show(lockUnlock))")
        print("one lease check: \(show(check))")
    } catch {
        print("error: \(error)")
        exit(1)
    }
}
