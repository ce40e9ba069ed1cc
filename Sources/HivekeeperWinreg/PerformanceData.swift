#if canImport(Glibc)
import Glibc
#endif
import RegistryClient

/// HKEY_PERFORMANCE_DATA, answered in this library: "", "Global" and "Costly" give a valid
/// PERF_DATA_BLOCK (winperf.h) with no object types, "Counter" and "Help" an empty REG_MULTI_SZ
/// list; RegEnumValue's index 0 is "Global" (Python's test_winreg reads both).
enum PerformanceData {
    static func query(_ name: RegistryName) -> Result<RegistryValue, Win32Error> {
        switch name.description.uppercased() {
        case "", "GLOBAL", "COSTLY":
            return .success(RegistryValue(name: name, type: .binary, data: block()))
        case "COUNTER", "HELP":
            return .success(RegistryValue(name: name, type: .multiString, data: [0, 0]))
        default:
            return .failure(.fileNotFound)
        }
    }

    static func enumerate(_ index: Int) -> Result<RegistryValue, Win32Error> {
        index == 0 ? .success(RegistryValue(name: "Global", type: .binary, data: block())) : .failure(.noMoreItems)
    }

    /// PERF_DATA_BLOCK: 88 bytes of header (LARGE_INTEGERs 8-aligned), then the system name.
    static func block() -> [UInt8] {
        let host = Array((Text.hostName() ?? "LOCALHOST").uppercased().utf16) + [0]
        let headerLength = 88
        var total = headerLength + host.count * 2
        total = (total + 7) & ~7
        var out = [UInt8](repeating: 0, count: total)
        func put32(_ v: UInt32, _ at: Int) { for i in 0..<4 { out[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
        func put16(_ v: UInt16, _ at: Int) { for i in 0..<2 { out[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
        func put64(_ v: UInt64, _ at: Int) { for i in 0..<8 { out[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
        for (i, c) in "PERF".utf16.enumerated() { put16(c, i * 2) }
        put32(1, 8)  // LittleEndian
        put32(1, 12)  // Version (PERF_DATA_VERSION)
        put32(1, 16)  // Revision (PERF_DATA_REVISION)
        put32(UInt32(total), 20)  // TotalByteLength
        put32(UInt32(total), 24)  // HeaderLength: where the (absent) first object would start
        put32(0, 28)  // NumObjectTypes
        put32(UInt32(bitPattern: -1), 32)  // DefaultObject: none
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        let fields = [parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_wday, parts.tm_mday, parts.tm_hour, parts.tm_min,
                      parts.tm_sec, Int32(now.tv_nsec / 1_000_000)]
        for (i, f) in fields.enumerated() { put16(UInt16(truncatingIfNeeded: f), 36 + i * 2) }  // SYSTEMTIME
        var mono = timespec()
        clock_gettime(CLOCK_MONOTONIC, &mono)
        put64(UInt64(mono.tv_sec) * 1_000_000_000 + UInt64(mono.tv_nsec), 56)  // PerfTime
        put64(1_000_000_000, 64)  // PerfFreq: nanoseconds
        put64(FileTime.now().rawValue, 72)  // PerfTime100nSec
        put32(UInt32(host.count * 2), 80)  // SystemNameLength (bytes, with the NUL)
        put32(UInt32(headerLength), 84)  // SystemNameOffset
        for (i, c) in host.enumerated() { put16(c, headerLength + i * 2) }
        return out
    }
}
