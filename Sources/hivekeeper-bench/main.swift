// The Hivekeeper side of scripts/bench-read: open + one 6-level lookup, then a full walk that
// reads every key, every value and its data; best of N runs, with resident memory after the
// first open + lookup. Not a test: numbers for people (see docs/benchmarks.md).
#if canImport(Glibc)
import Glibc
#endif
import HiveFormat
import Foundation

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// VmRSS, or another /proc/self/status field, in KiB.
func residentKiB(_ field: String = "VmRSS:") -> Int {
    for s in procLines("/proc/self/status") where s.hasPrefix(field) {
        return Int(s.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }
    return -1
}

/// Lines of a /proc file (Foundation's file reading sees procfs files as empty).
func procLines(_ path: String) -> [String] {
    guard let f = fopen(path, "r") else { return [] }
    defer { fclose(f) }
    var lines: [String] = []
    var buf = [CChar](repeating: 0, count: 4096)
    while fgets(&buf, 4096, f) != nil {
        lines.append(String(decoding: buf.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return lines
}

/// Resident KiB of this process's mapping of `file` (from /proc/self/smaps).
func mappedResidentKiB(of file: String) -> Int {
    guard let resolved = realpath(file, nil) else { return -1 }
    let real = String(cString: resolved)
    free(resolved)
    var inMapping = false, total = 0
    for line in procLines("/proc/self/smaps") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count >= 5, fields[0].contains("-"), fields[0].allSatisfy({ $0.isHexDigit || $0 == "-" }) {
            inMapping = line.hasSuffix(real)
        } else if inMapping && fields.first == "Rss:" {
            total += Int(fields[1]) ?? 0
        }
    }
    return total
}

let args = CommandLine.arguments
guard args.count >= 2 else {
    print("usage: hivekeeper-bench HIVE [RUNS] | write OUT | registry [RUNS] | smb-upload URL CREDENTIALS FILE RUNS | socket SOCKET CLIENTS TOTAL")
    exit(2)
}
if args[1] == "registry" {
    benchmarkRegistry(runs: args.count > 2 ? Int(args[2]) ?? 3 : 3)
    exit(0)
}
if args[1] == "smb-upload", args.count == 6 {
    await benchmarkSMBUpload(url: args[2], credentials: args[3], file: args[4], runs: Int(args[5]) ?? 10)
    exit(0)
}
if args[1] == "socket", args.count == 5 {
    await benchmarkSocket(socket: args[2], clients: Int(args[3]) ?? 1, total: Int(args[4]) ?? 200_000)
    exit(0)
}
if args[1] == "write", args.count == 3 {
    benchmarkWrite(args[2])
    exit(0)
}
let path = args[1]
let runs = args.count > 2 ? Int(args[2]) ?? 5 : 5
let lookup = "Generated\\K03\\K07\\K01\\K09\\K00\\K05"

do {
    let rss0 = residentKiB(), file0 = residentKiB("RssFile:")
    var bestOpen = Double.infinity
    var rssAfterFirst = 0
    var firstHive: Hive?  // kept mapped so its resident pages can be read from smaps
    defer { _ = firstHive }
    for r in 0..<runs {
        let t0 = now()
        let hive = try Hive(path: path)
        let key = try hive.key(path: lookup)
        let t1 = now()
        precondition(key.name.description == "K05")
        if r == 0 { firstHive = hive }
        bestOpen = min(bestOpen, t1 - t0)
        if r == 0 {
            rssAfterFirst = residentKiB()
            print("after the first open + lookup: process resident +\(rssAfterFirst - rss0) KiB (file-backed +\(residentKiB("RssFile:") - file0) KiB, mostly library code on first use); the hive's mapping: \(mappedResidentKiB(of: path)) KiB resident")
        }
    }
    var bestWalk = Double.infinity, bestWarm = Double.infinity
    var keys = 0, values = 0, bytes = 0
    for _ in 0..<runs {
        // A fresh hive each run: the first walk pays for mapping pages and indexing bins; the
        // second shows the walk alone.
        let hive = try Hive(path: path)
        for pass in 0..<2 {
            keys = 0; values = 0; bytes = 0
            let t0 = now()
            try hive.walk(from: hive.rootKey()) { key, _ throws(HiveError) in
                keys += 1
                try hive.forEachValue(of: key) { v throws(HiveError) in
                    values += 1
                    bytes += try hive.data(of: v).count
                }
                return .descend
            }
            if pass == 0 { bestWalk = min(bestWalk, now() - t0) } else { bestWarm = min(bestWarm, now() - t0) }
        }
    }
    print(String(format: "hivekeeper open+lookup %.6f s, walk %.6f s, second walk of the same hive %.6f s, keys %d, values %d, data-bytes %d, rss-after-open+lookup %d KiB (before %d KiB)",
                 bestOpen, bestWalk, bestWarm, keys, values, bytes, rssAfterFirst, rss0))
} catch {
    print("error: \(error)")
    exit(1)
}
