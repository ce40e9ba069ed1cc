/// An access control list: revision (2, or 4 when object ACEs may appear), its ACEs in order,
/// and any bytes after the last ACE inside the declared size (`slack`: Windows leaves such bytes,
/// sometimes stale ACEs, in real hives; they are kept so the ACL re-encodes exactly).
public struct ACL: Hashable, Sendable {
    public static let revision: UInt8 = 2
    public static let revisionDS: UInt8 = 4

    public var revision: UInt8
    public var aces: [ACE]
    public var slack: [UInt8]

    public init(revision: UInt8 = ACL.revision, _ aces: [ACE] = []) {
        self.revision = revision
        self.aces = aces
        slack = []
    }

    public var byteCount: Int { 8 + aces.reduce(0) { $0 + $1.byteCount } + slack.count }

    init(bytes: UnsafeRawBufferPointer, at offset: Int) throws(SecurityError) {
        guard offset + 8 <= bytes.count else {
            throw .truncated(offset: offset, what: "ACL header", needed: 8, available: Swift.max(bytes.count - offset, 0))
        }
        revision = bytes[offset]
        guard (2...4).contains(revision) else { throw .malformed(offset: offset, reason: "ACL revision \(revision)") }
        let size = Int(bytes.le16(offset + 2)), count = Int(bytes.le16(offset + 4))
        guard size >= 8, offset + size <= bytes.count else {
            throw .truncated(offset: offset, what: "ACL", needed: size, available: bytes.count - offset)
        }
        let end = offset + size
        var pos = offset + 8
        var list: [ACE] = []
        for _ in 0..<count {
            let ace = try ACE(bytes: bytes, at: pos, end: end)
            pos += Int(bytes.le16(pos + 2))
            list.append(ace)
        }
        aces = list
        slack = Array(bytes[pos..<end])
    }

    func encode(into out: inout [UInt8]) {
        out.append(revision)
        out.append(0)
        out.appendLE16(UInt16(byteCount))
        out.appendLE16(UInt16(aces.count))
        out.appendLE16(0)
        for a in aces { a.encode(into: &out) }
        out.append(contentsOf: slack)
    }
}
