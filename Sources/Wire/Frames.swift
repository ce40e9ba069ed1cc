import RegistryTypes

/// A message of either side: its bytes, and the same with the frame's length in front.
public protocol WireFrame {
    func encode(into w: inout WireWriter)
}

extension WireFrame {
    public func encoded() -> [UInt8] {
        var w = WireWriter()
        encode(into: &w)
        return w.bytes
    }

    /// The frame as it goes on the socket, length first (`WireProtocol.frame(encoded())`,
    /// without the copy).
    public func framed() -> [UInt8] {
        var w = WireWriter.frame()
        encode(into: &w)
        return w.finishFrame()
    }
}

/// A client's message: its id (echoed in the reply), the logical thread it comes from
/// (impersonation is per thread), and the request.
public struct ClientFrame: WireFrame, Sendable, Hashable {
    public var id: UInt32
    public var thread: UInt32
    public var request: Request

    public init(id: UInt32, thread: UInt32, request: Request) {
        self.id = id; self.thread = thread; self.request = request
    }

    public func encode(into w: inout WireWriter) {
        w.u32(id); w.u32(thread)
        request.encode(into: &w)
    }

    public init(decoding body: [UInt8]) throws(WireError) {
        var r = WireReader(body)
        id = try r.u32("request id")
        thread = try r.u32("thread id")
        request = try Request.decode(from: &r)
        try r.finish()
    }
}

/// The daemon's message: a reply to request `id` (its payload or a Win32 error with a message),
/// or a notice.
public enum ServerFrame: WireFrame, Sendable, Hashable {
    case reply(id: UInt32, Payload)
    case failure(id: UInt32, code: UInt32, message: String)
    case notice(Notice)

    public func encode(into w: inout WireWriter) {
        switch self {
        case let .reply(id, payload):
            w.u8(0); w.u32(id); payload.encode(into: &w)
        case let .failure(id, code, message):
            w.u8(1); w.u32(id); w.u32(code); w.string(message)
        case let .notice(.sessionChange(code, session)):
            w.u8(2); w.u16(1); w.u32(code); w.u32(session)
        case let .notice(.goodbye(reason)):
            w.u8(2); w.u16(2); w.string(reason)
        case let .notice(.changeNotified(request, status)):
            w.u8(2); w.u16(3); w.u32(request); w.u32(status)
        }
    }

    public init(decoding body: [UInt8]) throws(WireError) {
        var r = WireReader(body)
        switch try r.u8("frame kind") {
        case 0: self = .reply(id: try r.u32("request id"), try Payload.decode(from: &r))
        case 1: self = .failure(id: try r.u32("request id"), code: try r.u32("error"), message: try r.string("message"))
        case 2:
            switch try r.u16("notice tag") {
            case 1: self = .notice(.sessionChange(code: try r.u32("code"), session: try r.u32("session")))
            case 2: self = .notice(.goodbye(reason: try r.string("reason")))
            case 3: self = .notice(.changeNotified(request: try r.u32("request id"), status: try r.u32("status")))
            case let t: throw .unknownTag(kind: "notice", tag: t)
            }
        case let k: throw .unknownTag(kind: "frame kind", tag: UInt16(k))
        }
        try r.finish()
    }
}
