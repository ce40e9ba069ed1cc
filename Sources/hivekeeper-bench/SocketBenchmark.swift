import Foundation
import HiveFormat
import Registry
import RegistryClient

/// scripts/bench-socket's measuring side: value queries per second over hivekeeperd's socket,
/// as redis-benchmark measures GET: `clients` connections, each with one request in flight at a
/// time (no pipelining), `total` queries in all of a 3-byte value through an open handle
/// (redis-benchmark's default payload is 3 bytes). Prints the rate and the client's latencies.
func benchmarkSocket(socket: String, clients: Int, total: Int) async {
    do {
        let setup = try await RegistryClient.connect(socketPath: socket)
        let (key, _) = try await setup.createKey(.localMachine, "SOFTWARE\\HivekeeperBench", access: .keyAllAccess)
        try await setup.setValue(key, "v", type: .binary, data: [0x78, 0x78, 0x78])
        try await setup.closeKey(key)
        setup.close()

        var connections: [RegistryClient] = []
        var handles: [KeyHandle] = []
        for _ in 0..<clients {
            let c = try await RegistryClient.connect(socketPath: socket)
            handles.append(try await c.openKey(.localMachine, "SOFTWARE\\HivekeeperBench", access: .keyRead))
            connections.append(c)
        }
        let perClient = total / clients
        let t0 = now()
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for (c, h) in zip(connections, handles) {
                group.addTask(executorPreference: RegistryClient.executor) {
                    var l: [Double] = []
                    l.reserveCapacity(perClient)
                    for _ in 0..<perClient {
                        let s = now()
                        let v = try await c.queryValue(h, "v")
                        l.append(now() - s)
                        precondition(v.data.count == 3)
                    }
                    return l
                }
            }
            var all: [Double] = []
            for try await l in group { all += l }
            return all.sorted()
        }
        let elapsed = now() - t0
        for c in connections { c.close() }
        let rate = Double(latencies.count) / elapsed
        func ms(_ q: Double) -> String { String(format: "%.3f", latencies[min(latencies.count - 1, Int(q * Double(latencies.count)))] * 1000) }
        print(String(format: "hivekeeperd queryValue, %d client%@: %.0f requests/s (%d in %.2f s; p50 %@ ms, p99 %@ ms)",
                     clients, clients == 1 ? "" : "s", rate, latencies.count, elapsed, ms(0.5), ms(0.99)))
    } catch {
        print("error: \(error)")
        exit(1)
    }
}
