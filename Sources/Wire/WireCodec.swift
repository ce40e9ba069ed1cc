import RegistryTypes

/// Little-endian primitives of the protocol (docs/protocol.md "Encoding"): fixed-width integers,
/// byte strings and UTF-8 strings with a u32 length, registry names as UTF-16 code units with a
/// u32 count, optionals with a u8 flag.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    /// A writer for one frame: room for the length in front, filled in by `framed`.
    static func frame() -> WireWriter {
        var w = WireWriter()
        w.u32(0)
        return w
    }

    /// The frame's bytes, its length in front (the writer came from `frame()`).
    mutating func finishFrame() -> [UInt8] {
        withUnsafeBytes(of: UInt32(bytes.count - 4).littleEndian) { n in
            bytes.withUnsafeMutableBytes { $0.copyMemory(from: n) }
        }
        return bytes
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    public mutating func data(_ v: [UInt8]) {
        u32(UInt32(v.count))
        bytes.append(contentsOf: v)
    }
    public mutating func string(_ v: String) {
        var s = v
        s.withUTF8 { u in
            u32(UInt32(u.count))
            bytes.append(contentsOf: u)
        }
    }
    public mutating func optionalString(_ v: String?) {
        bool(v != nil)
        if let v { string(v) }
    }
    /// A key path, value name or class name: its UTF-16 code units exactly (a lone surrogate
    /// included), a u32 count first.
    public mutating func name(_ v: RegistryName) {
        u32(UInt32(v.codeUnits.count))
        #if _endian(little)
        v.codeUnits.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for u in v.codeUnits { u16(u) }
        #endif
    }
    public mutating func optionalName(_ v: RegistryName?) {
        bool(v != nil)
        if let v { name(v) }
    }
}

/// Why bytes from the other end were refused. The connection that sent them is closed.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A field ran past the end of its frame.
    case truncated(field: String, offset: Int)
    /// Bytes were left after the message ended.
    case trailingBytes(offset: Int)
    case unknownTag(kind: String, tag: UInt16)
    case invalidUTF8(field: String, offset: Int)
    /// A frame's announced length is over the limit (or zero).
    case badFrameLength(UInt32, limit: Int)
    case unsupportedVersion(UInt16)

    public var description: String {
        switch self {
        case let .truncated(field, offset): "truncated message: \(field) at byte \(offset) runs past the frame's end"
        case let .trailingBytes(offset): "malformed message: unexpected bytes after its end at byte \(offset)"
        case let .unknownTag(kind, tag): "unknown \(kind) \(tag)"
        case let .invalidUTF8(field, offset): "malformed message: \(field) at byte \(offset) is not UTF-8"
        case let .badFrameLength(n, limit): "frame length \(n) is outside 1...\(limit)"
        case let .unsupportedVersion(v): "protocol version \(v) is not supported (this side speaks \(WireProtocol.version))"
        }
    }
}

/// Reads what `WireWriter` wrote, checking every length against the bytes that are there.
public struct WireReader {
    private let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ n: Int, _ field: String) throws(WireError) -> Range<Int> {
        guard n >= 0, n <= bytes.count - offset else { throw .truncated(field: field, offset: offset) }
        defer { offset += n }
        return offset..<offset + n
    }

    private mutating func integer<T: FixedWidthInteger>(_ field: String, as: T.Type) throws(WireError) -> T {
        let r = try take(MemoryLayout<T>.size, field)
        var v: T = 0
        for (i, b) in bytes[r].enumerated() { v |= T(b) << (8 * i) }
        return v
    }

    public mutating func u8(_ field: String) throws(WireError) -> UInt8 { try integer(field, as: UInt8.self) }
    public mutating func u16(_ field: String) throws(WireError) -> UInt16 { try integer(field, as: UInt16.self) }
    public mutating func u32(_ field: String) throws(WireError) -> UInt32 { try integer(field, as: UInt32.self) }
    public mutating func u64(_ field: String) throws(WireError) -> UInt64 { try integer(field, as: UInt64.self) }
    public mutating func bool(_ field: String) throws(WireError) -> Bool { try u8(field) != 0 }

    public mutating func data(_ field: String) throws(WireError) -> [UInt8] {
        let n = try u32(field)
        return Array(bytes[try take(Int(n), field)])
    }

    public mutating func string(_ field: String) throws(WireError) -> String {
        let start = offset
        let n = try u32(field)
        let r = try take(Int(n), field)
        guard let s = String(validating: bytes[r], as: UTF8.self) else { throw .invalidUTF8(field: field, offset: start) }
        return s
    }

    public mutating func optionalString(_ field: String) throws(WireError) -> String? {
        try bool(field) ? try string(field) : nil
    }

    /// A name's UTF-16 code units (any, lone surrogates too: names are not text to validate).
    public mutating func name(_ field: String) throws(WireError) -> RegistryName {
        let n = try u32(field)
        let r = try take(Int(n) * 2, field)
        let units = [UInt16](unsafeUninitializedCapacity: Int(n)) { buffer, initialized in
            bytes.withUnsafeBufferPointer { b in
                for i in 0..<Int(n) { buffer[i] = UInt16(b[r.lowerBound + 2 * i]) | UInt16(b[r.lowerBound + 2 * i + 1]) << 8 }
            }
            initialized = Int(n)
        }
        return RegistryName(codeUnits: units)
    }

    public mutating func optionalName(_ field: String) throws(WireError) -> RegistryName? {
        try bool(field) ? try name(field) : nil
    }

    /// Every byte was read.
    public func finish() throws(WireError) {
        guard offset == bytes.count else { throw .trailingBytes(offset: offset) }
    }
}
