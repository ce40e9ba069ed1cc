#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MachineSetup
import NIOCore
import NIOPosix
import StartupPaths
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
    private let metricsServer: (any Channel)?

    /// Where the Prometheus endpoint listens, when `metrics_listen` is set (its real port when
    /// the setting said 0).
    public var metricsAddress: SocketAddress? { metricsServer?.localAddress }

    private init(service: RegistryService, configuration: DaemonConfiguration, group: MultiThreadedEventLoopGroup,
                 server: any Channel, flusher: RepeatedTask, metricsServer: (any Channel)?) {
        self.service = service
        self.configuration = configuration
        self.group = group
        self.server = server
        self.flusher = flusher
        self.metricsServer = metricsServer
    }

    /// Sets the machine up from `configuration.stateDirectory` and listens on its socket.
    public static func start(_ configuration: DaemonConfiguration, logger: Logger) async throws -> Daemon {
        // Directories on the way to the socket and the state are made with the umask the daemon
        // was given (others reach the socket through them); then its own files go private.
        let socketDirectory = (configuration.socketPath as NSString).deletingLastPathComponent
        try StartupPaths.requireSocketPath(configuration.socketPath, role: "socket")
        try StartupPaths.requireDirectory(configuration.stateDirectory, role: "state directory")
        // A service account is a Linux user the daemon knows by uid; a name no user has is most
        // likely a typo, said now rather than met as a service that is never one. (Not fatal:
        // the user may be created later. Demo identities are names, not users.)
        if !configuration.demoIdentity {
            for name in configuration.serviceAccounts.sorted() where getpwnam(name) == nil {
                logger.warning("service account \(name) is no Linux user (yet): its processes will not be known as a service until it exists")
            }
        }
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: configuration.demoIdentity ? 0o700 : 0o755])
        if configuration.demoIdentity { chmod(socketDirectory, 0o700) }
        try StatePermissions.secure(configuration.stateDirectory)
        let layout = StateLayout(root: URL(fileURLWithPath: configuration.stateDirectory))
        let registry = Registry()
        registry.setQuotas(configuration.quotas)
        raiseDescriptorLimit()
        let machine = Machine(registry: registry, domain: configuration.domain)
        try machine.setUp(layout)
        let events = EventLog(file: layout.eventLog)
        let store = try configuration.makeRoamingStore()
        let metrics = configuration.metricsListen.map { _ in DaemonMetrics() }
        let profiles = ProfileService(machine: machine, layout: layout, store: store, events: events,
                                      gracePeriod: configuration.gracePeriod, policy: configuration.policy,
                                      firstRetryDelay: configuration.uploadRetryDelay,
                                      roamingConflicts: configuration.roamingConflicts,
                                      metrics: metrics.map { ProfileMetrics(factory: $0.factory) } ?? ProfileMetrics())
        let service = RegistryService(machine: machine, profiles: profiles, events: events,
                                      configuration: configuration, logger: logger)
        // A crash's unfinished logoffs and uploads, before anyone can log on again.
        for user in await profiles.resumePendingWork() {
            logger.notice("finished work a restart interrupted", metadata: ["user": "\(user)"])
        }


        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.ioThreads)
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
            throw PathProblem("socket \(configuration.socketPath): cannot listen there: \(error)")
        }
        // Everyone may connect to the system daemon (access is checked per call, as the identity
        // the kernel gives); a demo daemon's socket is its user's alone.
        chmod(configuration.socketPath, configuration.demoIdentity ? 0o600 : 0o666)
        var metricsServer: (any Channel)?
        if let metrics, let listen = configuration.metricsListen, let (host, port) = MetricsEndpoint.parse(listen) {
            do {
                metricsServer = try await MetricsEndpoint.start(host: host, port: port, group: group) { [service] in
                    metrics.scrape(registry, connectedProcesses: service.clients.count)
                }
            } catch {
                try? await server.close()
                unlink(configuration.socketPath)
                try? await group.shutdownGracefully()
                throw ConfigurationError(file: "configuration", line: 0, reason: "metrics_listen \(listen): cannot listen there: \(error)")
            }
        }
        let flushLoop = group.next()
        let flusher = flushLoop.scheduleRepeatedAsyncTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            // The lazy flush writes files: on the blocking pool, not the event loop.
            flushLoop.makeFutureWithTask { _ = await BlockingCalls.run { registry.flushDueHives() } }
        }
        logger.info("hivekeeperd listening", metadata: [
            "socket": "\(configuration.socketPath)", "state": "\(configuration.stateDirectory)",
            "roaming": "\(configuration.roamingStore ?? "none")",
            "demo-identity": "\(configuration.demoIdentity)",
        ])
        if let address = metricsServer?.localAddress {
            logger.info("metrics endpoint listening", metadata: ["address": "\(address)"])
        }
        return Daemon(service: service, configuration: configuration, group: group, server: server, flusher: flusher,
                      metricsServer: metricsServer)
    }

    /// Clean shutdown: clients are told to reconnect later, the socket closes, every hive is
    /// flushed.
    public func shutdown() async {
        flusher.cancel()
        service.sayGoodbye("hivekeeperd is shutting down; reconnect when it is back")
        try? await server.close()
        try? await metricsServer?.close()
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
