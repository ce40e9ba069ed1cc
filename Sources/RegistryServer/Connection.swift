#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import Wire

/// A connection as the service sees it: notices and closing, from any thread.
final class ChannelConnection: ClientConnection {
    let channel: any Channel
    init(_ channel: any Channel) { self.channel = channel }

    func send(_ notice: Notice) { write(.notice(notice)) }
    func write(_ frame: ServerFrame) {
        let bytes = frame.framed()
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
    }
    func close() { channel.close(promise: nil) }
}

/// One client connection on the event loop: frames in, the peer's identity from SO_PEERCRED,
/// `hello` first, answers out. A malformed frame gets an error reply and the connection is
/// closed; a client that does not read its replies stops being read (backpressure), so it holds
/// up nobody but itself.
final class Connection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let service: RegistryService
    /// Until hello is answered, frames are small (a hello is a few hundred bytes): a stranger
    /// cannot make the daemon hold megabytes for it.
    private var decoder = FrameDecoder(limit: WireProtocol.maxFrameBeforeHello)
    private var peer: (pid: Int32, uid: UInt32)?
    /// The peer's uid once admitted (counted against its user's connections).
    private var admitted: UInt32?
    private var connection: ChannelConnection?
    private enum Stage { case awaitingHello, identifying([ClientFrame]), ready(pid: Int32), closed }
    private var stage = Stage.awaitingHello

    init(service: RegistryService) { self.service = service }

    /// Requests a client may send before its hello is answered (they wait for it).
    static let maxQueuedBeforeHello = 16

    func channelActive(context: ChannelHandlerContext) {
        connection = ChannelConnection(context.channel)
        guard let provider = context.channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        // The kernel's word on who connected; a message never says.
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(level: .socket, name: .init(rawValue: PeerCredentials.option))
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
        future.whenComplete { result in
            switch result {
            case let .success(cred):
                guard loopBound.value.service.admit(uid: cred.uid) else {
                    loopBound.value.service.logger.notice("refused a connection: the user's connections are at their limit",
                                                          metadata: ["uid": "\(cred.uid)"])
                    ctx.value.close(promise: nil)
                    return
                }
                loopBound.value.admitted = cred.uid
                loopBound.value.peer = (cred.pid, cred.uid)
            case let .failure(error):
                loopBound.value.service.logger.warning("no peer credentials", metadata: ["error": "\(error)"])
                ctx.value.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { decoder.append($0) }
        do {
            while let body = try decoder.next() {
                let frame: ClientFrame
                do {
                    frame = try ClientFrame(decoding: body)
                } catch {
                    refuse(context, "\(error)")
                    return
                }
                receive(frame, context)
            }
        } catch {
            refuse(context, "\(error)")
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // A client that does not read: stop reading it until it catches up.
        context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenComplete { _ in }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case let .ready(pid) = stage, let connection { service.disconnected(pid: pid, connection: connection) }
        if let uid = admitted { service.release(uid: uid) }
        admitted = nil
        stage = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        service.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func receive(_ frame: ClientFrame, _ context: ChannelHandlerContext) {
        switch stage {
        case .closed:
            return
        case var .identifying(queued):
            guard queued.count < Self.maxQueuedBeforeHello else {
                refuse(context, "too many requests before hello was answered", id: frame.id)
                return
            }
            queued.append(frame)
            stage = .identifying(queued)
        case .awaitingHello:
            guard case let .hello(version, demoIdentity, executable) = frame.request else {
                refuse(context, "the first message must be hello", id: frame.id)
                return
            }
            guard let peer, let connection else {
                refuse(context, "the peer's credentials are unknown", id: frame.id)
                return
            }
            stage = .identifying([])
            let service = self.service
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
            let loop = context.eventLoop
            Task {
                let reply: ServerFrame
                do throws(Win32Error) {
                    let w = try await service.hello(pid: peer.pid, uid: peer.uid, version: version, demoIdentity: demoIdentity,
                                                    executable: executable, connection: connection)
                    reply = .reply(id: frame.id, .welcome(w))
                } catch {
                    reply = .failure(id: frame.id, code: error.rawValue, message: version == WireProtocol.version
                        ? error.description : WireError.unsupportedVersion(version).description)
                }
                loop.execute {
                    loopBound.value.identified(reply, pid: peer.pid, ctx.value)
                }
            }
        case let .ready(pid):
            answer(frame, pid: pid, context)
        }
    }

    private func identified(_ reply: ServerFrame, pid: Int32, _ context: ChannelHandlerContext) {
        guard case let .identifying(queued) = stage else {
            // Closed while identifying: the process may have been attached; let it go.
            if case .reply = reply, let connection { service.disconnected(pid: pid, connection: connection) }
            return
        }
        write(reply, context)
        guard case .reply = reply else {
            context.flush()
            context.close(promise: nil)
            stage = .closed
            return
        }
        stage = .ready(pid: pid)
        decoder.limit = WireProtocol.maxFrame
        for f in queued { answer(f, pid: pid, context) }
        context.flush()
    }

    private func answer(_ frame: ClientFrame, pid: Int32, _ context: ChannelHandlerContext) {
        if case .hello = frame.request {
            write(.failure(id: frame.id, code: Win32Error.invalidParameter.rawValue, message: "hello was already said"), context)
            return
        }
        guard let connection else { return }
        switch service.answer(frame, from: pid, on: connection) {
        case let .now(reply):
            write(reply, context)
        case let .later(work):
            Task {
                let reply = await work()
                connection.write(reply)
            }
        }
    }

    private func write(_ frame: ServerFrame, _ context: ChannelHandlerContext) {
        let bytes = frame.framed()
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    /// A protocol violation: say why, then close.
    private func refuse(_ context: ChannelHandlerContext, _ reason: String, id: UInt32 = 0) {
        service.logger.notice("closing a connection that broke the protocol", metadata: ["reason": "\(reason)"])
        write(.failure(id: id, code: Win32Error.invalidParameter.rawValue, message: reason), context)
        context.flush()
        context.close(promise: nil)
        if case let .ready(pid) = stage, let connection { service.disconnected(pid: pid, connection: connection) }
        stage = .closed
    }
}

import Registry
