import RegistryTypes
import Wire

/// The wire target: bytes as a client sends them to hivekeeperd, decoded the way the daemon's
/// `Connection` does (it needs a NIO channel and a live registry, so this target drives the
/// same Wire calls it makes): the stream is fed to a `FrameDecoder` in pieces of varying
/// sizes (the first byte picks them), each whole frame is decoded as a `ClientFrame`; before
/// hello only hello is accepted, after it anything but a second hello; a bad length or a
/// malformed frame ends the connection as the daemon ends it. Each decoded frame must encode
/// and decode to itself, and the bodies are also decoded as `ServerFrame`s (the client's side).
public enum WireFuzz {
    @inline(never)
    public static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        var decoder = FrameDecoder()
        var greeted = false
        var rng = UInt32(first) &* 2_654_435_761 | 1
        var at = 1
        while at < input.count {
            rng = rng &* 1_103_515_245 &+ 12345
            let piece = Swift.min(input.count - at, 1 + Int(rng >> 16) % 64)
            decoder.append(UnsafeRawBufferPointer(rebasing: input[at..<at + piece]))
            at += piece
            do throws(WireError) {
                while let body = try decoder.next() {
                    _ = try? ServerFrame(decoding: body)
                    let frame: ClientFrame
                    do throws(WireError) { frame = try ClientFrame(decoding: body) } catch { _ = error.description; return }
                    check(frame)
                    if case .hello = frame.request {
                        if greeted { continue }  // "hello was already said": an error reply, the connection stays
                        greeted = true
                    } else if !greeted {
                        return  // "the first message must be hello": refused and closed
                    }
                }
            } catch {
                _ = error.description  // a bad frame length: refused and closed
                return
            }
        }
    }

    /// A decoded frame encodes to bytes that decode to it again.
    static func check(_ frame: ClientFrame) {
        let bytes = frame.encoded()
        do throws(WireError) {
            let again = try ClientFrame(decoding: bytes)
            if again != frame { fatalError("\(frame) encoded and decoded became \(again)") }
        } catch {
            fatalError("\(frame) encoded does not decode: \(error)")
        }
        if WireProtocol.frame(bytes) != frame.framed() { fatalError("\(frame): framed() differs from frame(encoded())") }
    }
}
