#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOCore
import NIOPosix
import Profiles
import Registry
import Security

/// hivekeeperd assembled: the machine (hives set up and recovered from their logs), the profile
/// service, the lazy flusher, and the SwiftNIO server on the Unix socket.
public final class Daemon: Sendable {
    public let service: RegistryService
    public let configuration: DaemonConfiguration
    private let group: MultiThreadedEventLoopGroup
    private let server: any Channel
    private let flusher: RepeatedTask

    private init(service: RegistryService, configuration: DaemonConfiguration, group: MultiThreadedEventLoopGroup,
                 server: any Channel, flusher: RepeatedTask) {
        self.service = service
        self.configuration = configuration
        self.group = group
        self.server = server
        self.flusher = flusher
    }

    /// Sets the machine up from `configuration.stateDirectory` and listens on its socket.
    public static func start(_ configuration: DaemonConfiguration, logger: Logger) async throws -> Daemon {
        let layout = StateLayout(root: URL(fileURLWithPath: configuration.stateDirectory))
        let registry = Registry()
        let machine = Machine(registry: registry, domain: configuration.domain)
        try machine.setUp(layout)
        let events = EventLog(file: layout.eventLog)
        let store = try configuration.makeRoamingStore()
        let profiles = ProfileService(machine: machine, layout: layout, store: store, events: events,
                                      gracePeriod: configuration.gracePeriod, policy: configuration.policy,
                                      firstRetryDelay: configuration.uploadRetryDelay,
                                      roamingConflicts: configuration.roamingConflicts)
        let service = RegistryService(machine: machine, profiles: profiles, events: events,
                                      configuration: configuration, logger: logger)
        // A crash's unfinished logoffs and uploads, before anyone can log on again.
        for user in await profiles.resumePendingWork() {
            logger.notice("finished work a restart interrupted", metadata: ["user": "\(user)"])
        }

        let socketDirectory = (configuration.socketPath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: configuration.demoIdentity ? 0o700 : 0o755])
        if configuration.demoIdentity { chmod(socketDirectory, 0o700) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Connection(service: service))
                }
            }
        let server: any Channel
        do {
            server = try await bootstrap.bind(unixDomainSocketPath: configuration.socketPath, cleanupExistingSocketFile: true).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        // Everyone may connect to the system daemon (access is checked per call, as the identity
        // the kernel gives); a demo daemon's socket is its user's alone.
        chmod(configuration.socketPath, configuration.demoIdentity ? 0o600 : 0o666)
        let flusher = group.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            registry.flushDueHives()
        }
        logger.info("hivekeeperd listening", metadata: [
            "socket": "\(configuration.socketPath)", "state": "\(configuration.stateDirectory)",
            "demo-identity": "\(configuration.demoIdentity)",
        ])
        return Daemon(service: service, configuration: configuration, group: group, server: server, flusher: flusher)
    }

    /// Clean shutdown: clients are told to reconnect later, the socket closes, every hive is
    /// flushed.
    public func shutdown() async {
        flusher.cancel()
        service.sayGoodbye("hivekeeperd is shutting down; reconnect when it is back")
        try? await server.close()
        do {
            try service.machine.registry.flushAll()
        } catch {
            service.logger.error("flush at shutdown failed", metadata: ["error": "\(error)"])
        }
        unlink(configuration.socketPath)
        try? await group.shutdownGracefully()
        service.logger.info("hivekeeperd stopped")
    }
}
