import CoreMetrics
import Registry

/// What the profile service counts, through swift-metrics: any backend sees them (hivekeeperd's
/// Prometheus endpoint, docs/metrics.md). Made from an injected factory, not the process-wide
/// `MetricsSystem`, so that every service — and every test — keeps its own figures. All are rare
/// events (a logon, a logoff, an upload): nothing here is on a registry call's path.
public struct ProfileMetrics: Sendable {
    let factory: any MetricsFactory
    let logons: Counter
    let logoffDuration: Timer
    let leakingLogoffs: Counter
    let uploadDuration: Timer

    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
        logons = Counter(label: "hivekeeper_logons_total", factory: factory)
        logoffDuration = Timer(label: "hivekeeper_logoff_duration_seconds", factory: factory)
        leakingLogoffs = Counter(label: "hivekeeper_leaking_logoffs_total", factory: factory)
        uploadDuration = Timer(label: "hivekeeper_roaming_upload_duration_seconds", factory: factory)
    }

    /// A logoff's end: how the hive went (`unload`), and how long it took from the notification
    /// to the upload's end.
    func logoff(_ outcome: LogoffOutcome, seconds: Double) {
        Counter(label: "hivekeeper_logoffs_total", dimensions: [("unload", outcome.unload.metricName)], factory: factory).increment()
        logoffDuration.recordSeconds(seconds)
    }

    /// References still open when a grace period ended (the leaks a logoff found), by kind.
    func leaks(_ report: LeakReport) {
        guard !report.entries.isEmpty else { return }
        leakingLogoffs.increment()
        var byKind: [ReferenceKind: Int] = [:]
        for e in report.entries { byKind[e.reference.kind, default: 0] += 1 }
        for (kind, n) in byKind {
            Counter(label: "hivekeeper_leaked_references_total", dimensions: [("kind", kind.rawValue)], factory: factory)
                .increment(by: n)
        }
    }

    func upload(succeeded: Bool, seconds: Double) {
        Counter(label: "hivekeeper_roaming_uploads_total", dimensions: [("result", succeeded ? "success" : "failure")], factory: factory)
            .increment()
        uploadDuration.recordSeconds(seconds)
    }
}

extension LogoffOutcome.Unload {
    /// The `unload` label of hivekeeper_logoffs_total.
    var metricName: String {
        switch self {
        case .clean: "clean"
        case .afterWaiting: "after_waiting"
        case .forced: "forced"
        case .forceFailed: "force_failed"
        case .stillInUse: "still_in_use"
        case .cancelled: "cancelled"
        case .waiting: "left_loaded"
        case .snapshot: "snapshot"
        }
    }
}
