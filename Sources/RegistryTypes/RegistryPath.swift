/// A key path or a name as the registry's calls take it: a Swift `String`, or a `RegistryName`
/// (UTF-16 code units exactly, lone surrogates included: what the wire carries).
public protocol RegistryPath: Sendable {
    /// The code units, lent to `body` (a string's in a temporary buffer, on the stack when small).
    func withCodeUnits<R, E: Error>(_ body: (UnsafeBufferPointer<UInt16>) throws(E) -> R) throws(E) -> R
    var isEmpty: Bool { get }
    /// As a Swift string (a lone surrogate becomes U+FFFD), for what is kept as strings: hive
    /// mount points, HKEY_CLASSES_ROOT's merged paths.
    var text: String { get }
    var registryName: RegistryName { get }
}

extension RegistryName: RegistryPath {
    @inlinable
    public func withCodeUnits<R, E: Error>(_ body: (UnsafeBufferPointer<UInt16>) throws(E) -> R) throws(E) -> R {
        // Typed throws all the way: a `Result<R, E>` here was a generic type instantiated at run
        // time on every call through the protocol (bench-registry: 197 → 270 ns a query).
        try codeUnits.withUnsafeBufferPointer { (u) throws(E) -> R in try body(u) }
    }
    public var text: String { description }
    public var registryName: RegistryName { self }
}

extension String: RegistryPath {
    @inlinable
    public func withCodeUnits<R, E: Error>(_ body: (UnsafeBufferPointer<UInt16>) throws(E) -> R) throws(E) -> R {
        var s = self
        let count = s.utf16.count
        return try withUnsafeTemporaryAllocation(of: UInt16.self, capacity: Swift.max(count, 1)) { (buffer) throws(E) -> R in
            // ASCII (nearly every key path) widens byte by byte; anything else goes through UTF-16.
            let ascii = s.withUTF8 { bytes -> Bool in
                guard bytes.count == count, bytes.allSatisfy({ $0 < 0x80 }) else { return false }
                for (i, b) in bytes.enumerated() { buffer[i] = UInt16(b) }
                return true
            }
            if !ascii {
                var i = 0
                for u in s.utf16 {
                    buffer[i] = u
                    i += 1
                }
            }
            return try body(UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }
    public var text: String { self }
    public var registryName: RegistryName { RegistryName(self) }
}
