#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Windows FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
public struct FileTime: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (a: FileTime, b: FileTime) -> Bool { a.rawValue < b.rawValue }

    /// The system's wall clock (the default clock of writers; tests inject their own).
    @Sendable public static func now() -> FileTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return FileTime(rawValue: UInt64(ts.tv_sec) &* 10_000_000 &+ UInt64(ts.tv_nsec / 100) &+ 116_444_736_000_000_000)
    }

    /// Seconds since the Unix epoch (may be negative for times before 1970).
    public var unixSeconds: Double { (Double(rawValue) - 116_444_736_000_000_000) / 10_000_000 }

    /// ISO 8601 in UTC with 100 ns precision ("2017-03-04T16:37:31.1234567Z"); "never" for 0.
    public var description: String {
        if rawValue == 0 { return "never" }
        let ticksPerDay: UInt64 = 864_000_000_000
        var days = Int64(rawValue / ticksPerDay)
        let rem = rawValue % ticksPerDay
        // Days since 1601-01-01 to civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
        days -= 134_774  // to 1970-01-01
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        let secs = rem / 10_000_000, frac = rem % 10_000_000
        func pad(_ v: some BinaryInteger, _ w: Int) -> String {
            let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2)).\(pad(frac, 7))Z"
    }
}
