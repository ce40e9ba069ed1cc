/// Frames on the socket: a u32 little-endian length, then that many bytes of one message
/// (docs/protocol.md "Frames"). Bounded: a frame longer than `WireProtocol.maxFrame` is refused
/// before its body is read.
public enum WireProtocol {
    /// The protocol's version, sent in `hello` and checked by the daemon (4: names as UTF-16
    /// code units; 3 carried them as UTF-8 and is refused).
    public static let version: UInt16 = 4
    /// The largest frame either side accepts: 2 MiB, room for a value of 1 MiB (Windows advises
    /// keeping values under 2048 bytes and stores up to about 1 MB comfortably) and its names.
    public static let maxFrame = 2 << 20
    /// The largest frame the daemon accepts before a connection's hello is answered.
    public static let maxFrameBeforeHello = 64 << 10

    /// `body` with its length in front.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 4)
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: body)
        return out
    }
}

/// Cuts a byte stream into frames, whatever pieces it arrives in.
public struct FrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    /// The largest frame accepted now (a connection raises it once it knows its peer).
    public var limit: Int

    public init(limit: Int = WireProtocol.maxFrame) { self.limit = limit }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        dropConsumed()
        buffer.append(contentsOf: bytes)
    }

    /// The same, for raw bytes: one copy, no generic code (the daemon's and the client's reads
    /// come this way).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        dropConsumed()
        buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    private mutating func dropConsumed() {
        if start > 0 && start == buffer.count {
            // A big frame's buffer is given back once read: an idle connection holds little.
            buffer.removeAll(keepingCapacity: buffer.capacity <= Self.keptCapacity)
            start = 0
        }
    }

    /// What an emptied buffer keeps for the next frames.
    static let keptCapacity = 64 << 10

    /// The next whole frame's body, nil when more bytes are needed.
    public mutating func next() throws(WireError) -> [UInt8]? {
        guard buffer.count - start >= 4 else { return nil }
        var n: UInt32 = 0
        for i in 0..<4 { n |= UInt32(buffer[start + i]) << (8 * i) }
        guard n > 0, Int(n) <= limit else { throw .badFrameLength(n, limit: limit) }
        guard buffer.count - start - 4 >= Int(n) else { return nil }
        let body = Array(buffer[(start + 4)..<(start + 4 + Int(n))])
        start += 4 + Int(n)
        if start > 65536 {
            buffer.removeFirst(start)
            start = 0
        }
        return body
    }
}
