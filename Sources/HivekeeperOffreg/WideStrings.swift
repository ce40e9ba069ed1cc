import CHivekeeper
import HiveFormat

/// UTF-16 strings from and to C, read in place (no copy) and written by Windows' buffer rules.
enum WideString {
    /// Longer than any registry name or path (Windows' limits: 255 per key name, 16,383 per
    /// value name, 512 levels): a string not ended by then is refused, not read on.
    static let limit = 1 << 20

    /// The NUL-terminated string at `p`, as the caller's own memory; nil for NULL.
    static func borrow(_ p: UnsafePointer<WCHAR>?) throws(OfflineError) -> UnsafeBufferPointer<UInt16>? {
        guard let p else { return nil }
        var n = 0
        while p[n] != 0 {
            n += 1
            if n >= limit { throw .invalidParameter }
        }
        return UnsafeBufferPointer(start: p, count: n)
    }

    /// Calls `body` with each component of a key path: split at backslashes; trailing
    /// backslashes are ignored and a leading one is ERROR_BAD_PATHNAME (Wine's
    /// test_reg_create_key: "\\Subkey3" fails so, "Subkey4\\\\" succeeds); an empty component
    /// inside is ERROR_BAD_PATHNAME too. An empty path has no component (the key itself).
    static func forEachComponent(of path: UnsafeBufferPointer<UInt16>,
                                 _ body: (UnsafeBufferPointer<UInt16>, _ isLast: Bool) throws(OfflineError) -> Void) throws(OfflineError) {
        var end = path.count
        while end > 0 && path[end - 1] == 0x5C { end -= 1 }
        guard end > 0 else { return }
        guard path[0] != 0x5C else { throw .badPathname }
        var start = 0
        for i in 0...end where i == end || path[i] == 0x5C {
            guard i > start else { throw .badPathname }
            try body(UnsafeBufferPointer(rebasing: path[start..<i]), i == end)
            start = i + 1
        }
    }

    /// Copies `count` units given by `unit` and a NUL into `buffer` of `capacity` units; false
    /// (nothing written) when they do not fit.
    @inline(__always)
    static func copy(count: Int, _ unit: (Int) -> UInt16, into buffer: UnsafeMutablePointer<WCHAR>, capacity: DWORD) -> Bool {
        guard count < Int(capacity) else { return false }
        for i in 0..<count { buffer[i] = unit(i) }
        buffer[count] = 0
        return true
    }

    static func copy(_ units: [UInt16], into buffer: UnsafeMutablePointer<WCHAR>, capacity: DWORD) -> Bool {
        copy(count: units.count, { units[$0] }, into: buffer, capacity: capacity)
    }
}

extension StoredName {
    /// The name into a C buffer (`WideString.copy`).
    @inline(__always)
    func copy(into buffer: UnsafeMutablePointer<WCHAR>, capacity: DWORD) -> Bool {
        WideString.copy(count: count, { self[$0] }, into: buffer, capacity: capacity)
    }
}

extension FILETIME {
    init(_ time: FileTime) {
        self.init(dwLowDateTime: DWORD(truncatingIfNeeded: time.rawValue), dwHighDateTime: DWORD(truncatingIfNeeded: time.rawValue >> 32))
    }
}
