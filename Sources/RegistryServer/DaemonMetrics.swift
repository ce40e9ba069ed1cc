import Locking
import Profiles
import Prometheus
import Registry

/// hivekeeperd's metrics: the profile service's counters (ProfileMetrics) and, sampled at each
/// scrape rather than kept up to date on every call, the registry's state — loaded hives, each
/// hive's references by kind (open handles, HKCU caches, overrides), connected processes.
/// docs/metrics.md lists them all.
final class DaemonMetrics: @unchecked Sendable {  // its descriptors are immutable lets of a type swift-prometheus does not mark Sendable; the mutable state is in `sampled`
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    /// The sampled gauges of the last scrape, by name and labels (dropped when their hive goes).
    private let sampled = Locked<[String: Prometheus.Gauge]>([:])

    init() {
        var f = PrometheusMetricsFactory(registry: registry)
        // A logoff's grace period is 30 s by default: its histogram reaches past it.
        f.durationHistogramBuckets["hivekeeper_logoff_duration_seconds"] =
            [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300].map { .milliseconds(Int($0 * 1000)) }
        factory = f
    }

    private let loadedHives = MetricNameDescriptor(namespace: "hivekeeper", metricName: "loaded", unitName: "hives",
                                                  helpText: "Hives loaded in the registry")
    private let connectedProcesses = MetricNameDescriptor(namespace: "hivekeeper", metricName: "connected", unitName: "processes",
                                                         helpText: "Processes connected to hivekeeperd")
    private let hiveReferences = MetricNameDescriptor(namespace: "hivekeeper", metricName: "hive", unitName: "references",
                                                     helpText: "References into each loaded hive: open handles, HKCU caches, overrides")

    /// The exposition text, with the registry's state sampled now.
    func scrape(_ hives: Registry, connectedProcesses: Int) -> [UInt8] {
        let counts = hives.referenceCounts()
        sampled.withLock { sampled in
            var seen = Set<String>()
            func set(_ d: MetricNameDescriptor, _ labels: [(String, String)], _ value: Int) {
                let key = d.name + labels.map { "|\($0.0)=\($0.1)" }.joined()
                seen.insert(key)
                let g = sampled[key] ?? registry.makeGauge(descriptor: d, labels: labels)
                sampled[key] = g
                g.set(Double(value))
            }
            set(loadedHives, [], counts.count)
            set(self.connectedProcesses, [], connectedProcesses)
            for (hive, kinds) in counts {
                for kind in [ReferenceKind.handle, .predefinedCache, .override] {
                    set(hiveReferences, [("hive", hive), ("kind", kind.rawValue)], kinds[kind] ?? 0)
                }
            }
            for (key, gauge) in sampled where !seen.contains(key) {
                registry.unregisterGauge(gauge)
                sampled[key] = nil
            }
        }
        return registry.emitToBuffer()
    }
}
