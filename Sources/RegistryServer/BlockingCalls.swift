import NIOPosix
import Wire

extension Request {
    /// Requests that read or write hive files (flush, load, unload, save, restore, app-hive
    /// load): answered on a thread of the blocking pool, never on the event loop.
    var doesFileIO: Bool {
        switch self {
        case .flushKey, .loadKey, .unloadKey, .saveKey, .restoreKey, .loadAppKey: true
        default: false
        }
    }
}

/// The one place the daemon leaves its event loop for blocking work: NIO's shared blocking
/// pool. The whole call runs on the pool's thread, so a client's file identity (FileIdentity
/// switches the calling thread's fsuid) applies to the thread that does the I/O.
enum BlockingCalls {
    /// `body`'s result, or nil when the pool has shut down.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        try? await NIOThreadPool.singleton.runIfActive(body)
    }
}
