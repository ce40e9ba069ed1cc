#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOCore
import Registry
import RegistryClient
import RegistryServer
import Security
import Testing

/// The Prometheus endpoint (`metrics_listen`), scraped over real HTTP: the registry's state
/// sampled at the scrape (loaded hives, references per hive by kind, connected processes) and
/// the profile service's counters after a logon and a logoff that had to force a leaked handle
/// (docs/metrics.md).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MetricsTests {
    @Test func aScrapeShowsHivesHandlesAndTheLogoff() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-metrics-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        var c = DaemonConfiguration.defaults()
        c.stateDirectory = root.appendingPathComponent("state").path
        c.socketPath = root.appendingPathComponent("run/socket").path
        c.roamingStore = root.appendingPathComponent("roaming").path
        c.gracePeriod = .milliseconds(200)
        c.demoIdentity = true
        c.terminateProcesses = false  // the "session's processes" are this test process
        c.metricsListen = "127.0.0.1:0"
        let daemon = try await Daemon.start(c, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let port = try #require(daemon.metricsAddress?.port)
        do {
            let system = try await RegistryClient.connect(socketPath: c.socketPath, demoIdentity: "SYSTEM")
            let session = try await system.logon("alice")
            let sid = try #require(try await system.sessions().first { $0.id == UInt32(session) }?.sid)
            let hive = "\\REGISTRY\\USER\\\(sid)"
            // Three handles into alice's hive, held by SYSTEM's process: leaks at logoff.
            for path in ["Software", "Environment", "Control Panel"] {
                _ = try await system.createKey(.users, "\(sid)\\\(path)", access: .keyRead)
            }
            let during = try scrape(port)
            #expect(during.status == 200)
            #expect(during.headers.contains("content-type: text/plain; version=0.0.4"))
            #expect(sample(during.body, "hivekeeper_hive_references", ["hive": hive, "kind": "handle"]) == 3)
            #expect(sample(during.body, "hivekeeper_hive_references", ["hive": hive, "kind": "predefinedCache"]) == 0)
            let loaded = try #require(sample(during.body, "hivekeeper_loaded_hives"))
            #expect(loaded >= 3, "the machine hives and alice's two")
            #expect(sample(during.body, "hivekeeper_connected_processes") == 1)
            #expect(sample(during.body, "hivekeeper_logons_total") == 1)

            let outcome = try await system.logoff(session: session)
            #expect(outcome.unload == "forced")
            let after = try scrape(port).body
            #expect(sample(after, "hivekeeper_logoffs_total", ["unload": "forced"]) == 1)
            #expect(sample(after, "hivekeeper_leaking_logoffs_total") == 1)
            #expect(sample(after, "hivekeeper_leaked_references_total", ["kind": "handle"]) == 3)
            #expect(sample(after, "hivekeeper_roaming_uploads_total", ["result": "success"]) == 1)
            #expect(sample(after, "hivekeeper_logoff_duration_seconds_count") == 1)
            let seconds = try #require(sample(after, "hivekeeper_logoff_duration_seconds_sum"))
            #expect(seconds >= 0.2, "the logoff waited out its grace period")
            #expect(sample(after, "hivekeeper_hive_references", ["hive": hive, "kind": "handle"]) == nil, "the hive is gone")
            #expect(sample(after, "hivekeeper_loaded_hives") == loaded - 2)

            #expect(try scrape(port, path: "/other").status == 404)
            #expect(try scrape(port, method: "POST").status == 405)
            system.close()

            // A second daemon asked for the same port: a clear error, not a half-started daemon.
            var other = c
            other.stateDirectory = root.appendingPathComponent("state2").path
            other.socketPath = root.appendingPathComponent("run2/socket").path
            other.metricsListen = "127.0.0.1:\(port)"
            let error = await #expect(throws: ConfigurationError.self) {
                _ = try await Daemon.start(other, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            }
            #expect(error?.reason.contains("cannot listen there") == true)
            #expect(!FileManager.default.fileExists(atPath: other.socketPath), "its socket was not left behind")
        } catch {
            await daemon.shutdown()
            throw error
        }
        await daemon.shutdown()
    }

    @Test func theSettingsAreChecked() async throws {
        #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse("metrics_listen = 9464", file: "f", over: .defaults())
        }
        #expect(try DaemonConfiguration.parse("metrics_listen = [::1]:9464", file: "f", over: .defaults()).metricsListen == "[::1]:9464")
        #expect(try DaemonConfiguration.parse("metrics_listen = none", file: "f", over: .defaults()).metricsListen == nil)
        #expect(try DaemonConfiguration.parse("io_threads = 3", file: "f", over: .defaults()).ioThreads == 3)
        #expect(throws: ConfigurationError.self) { try DaemonConfiguration.parse("io_threads = 0", file: "f", over: .defaults()) }
    }

    // MARK: A tiny HTTP client and exposition-format reader

    private struct Response { var status: Int; var headers: String; var body: String }

    private func scrape(_ port: Int, path: String = "/metrics", method: String = "GET") throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 16 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts[0]
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Response(status: status, headers: head.lowercased(), body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// The value of the sample named `name` whose labels include `labels` (nil when absent).
    private func sample(_ body: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let metric = series.prefix { $0 != "{" }
            guard metric == name else { continue }
            let wanted = labels.map { "\($0.key)=\"\(escaped($0.value))\"" }
            if wanted.allSatisfy({ series.contains($0) }) { return Double(line[line.index(after: space)...]) }
        }
        return nil
    }

    /// A label value as the exposition format writes it.
    private func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
