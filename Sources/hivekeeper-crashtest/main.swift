// The child of the crash test (Tests/HiveFormatTests/CrashTests.swift, scripts/crash-test): edits a
// hive at random and flushes in a loop, printing "flushed N" after each flush returns, where N is
// the value the root's "counter" holds in that flush. The parent kills it with SIGKILL at random
// moments and checks that the hive recovers with every flushed change.
//
//   hivekeeper-crashtest HIVE SEED
//
// Its second job (SMBUploadLoop.swift), for the SMB store's kill tests:
//
//   hivekeeper-crashtest smb-upload URL CREDENTIALS USER FILE...
//
// And for the store lock's tests (LockRace.swift): a taker of the lock race, and a lock holder
// uploading under its lease, to kill:
//
//   hivekeeper-crashtest lock-race STORE CREDENTIALS USER OWNER
//   hivekeeper-crashtest lock-upload STORE CREDENTIALS USER OWNER LIFETIME FILE...
import HiveFormat

#if canImport(Glibc)
import Glibc
#endif

let args = CommandLine.arguments
if args.count > 1 && args[1] == "smb-upload" { await smbUploadLoop(Array(args.dropFirst(2))) }
if args.count > 1 && args[1] == "lock-race" { await lockRace(Array(args.dropFirst(2))) }
if args.count > 1 && args[1] == "lock-upload" { await lockedUploadLoop(Array(args.dropFirst(2))) }
guard args.count == 3, let seed = UInt64(args[2]) else {
    print("usage: hivekeeper-crashtest HIVE SEED")
    exit(2)
}
let path = args[1]
/// splitmix64: the same seed gives the same edits.
struct Rng {
    var state: UInt64
    mutating func callAsFunction(_ n: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(n))
    }
}

/// One line on stdout, unbuffered (the parent must see it before the kill).
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

var random = Rng(state: seed)
do {
    let editor = access(path, F_OK) == 0 ? try HiveEditor.open(path: path) : try HiveEditor.create(path: path)
    let hive = editor.hive
    let root = hive.baseBlock.rootCellOffset
    var counter: UInt64 = 0
    if let v = try hive.value(of: hive.rootKey(), named: "counter") {
        counter = try hive.data(of: v).bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
    }
    while true {
        for _ in 0..<(1 + random(8)) {
            let keys = try hive.subkeys(of: hive.rootKey())
            switch random(10) {
            case 0..<3:
                let parent = keys.isEmpty || random(2) == 0 ? root : keys[random(keys.count)].offset
                _ = try editor.createKey(under: parent, named: RegistryName("k\(random(500))"))
            case 3..<7 where !keys.isEmpty:
                let key = keys[random(keys.count)].offset
                let size = [0, 3, 4, 100, 5000, 16344, 16345, 40000][random(8)]
                try editor.setValue(of: key, named: RegistryName("v\(random(20))"), type: 3,
                                    bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ Int(counter)) })
            case 7..<10 where !keys.isEmpty:
                try editor.deleteKey(keys[random(keys.count)].offset, recursive: true)
            default:
                break
            }
        }
        counter += 1
        try editor.setValue(of: root, named: "counter", type: 11, bytes: (0..<8).map { UInt8(truncatingIfNeeded: counter >> UInt64(8 * $0)) })
        try editor.flush()
        say("flushed \(counter)")
    }
} catch {
    say("error \(error)")
    exit(1)
}
