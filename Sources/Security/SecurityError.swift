/// Why security bytes or text could not be read. Offsets are within the descriptor's bytes;
/// SDDL positions count characters from 0.
public enum SecurityError: Error, Equatable, Sendable, CustomStringConvertible {
    case badSID(String, reason: String)
    case truncated(offset: Int, what: String, needed: Int, available: Int)
    case malformed(offset: Int, reason: String)
    case badSDDL(position: Int, reason: String)
    /// The descriptor holds something SDDL has no notation for.
    case notRepresentableInSDDL(reason: String)

    public var description: String {
        switch self {
        case let .badSID(s, reason): "invalid SID \"\(s)\": \(reason)"
        case let .truncated(offset, what, needed, available):
            "\(what) at offset \(offset) needs \(needed) bytes, \(available) available"
        case let .malformed(offset, reason): "malformed security descriptor at offset \(offset): \(reason)"
        case let .badSDDL(position, reason): "SDDL, character \(position): \(reason)"
        case let .notRepresentableInSDDL(reason): "not representable in SDDL: \(reason)"
        }
    }
}
