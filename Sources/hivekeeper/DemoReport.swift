import Foundation
import Wire

/// What the demo saw, for `--json`: one object a script (or a test) can check.
struct DemoReport {
    struct Moment {
        /// Seconds after the profile service received the logoff.
        var at: Double
        var what: String
        var details: [String]
    }

    var mode: String
    var policy: String
    var gracePeriod: Double
    var session = 0
    var user = ""
    var sid = ""
    var servicePid: Int32 = 0
    var programPid: Int32 = 0
    var serviceNoticeAt: Double?
    var programEndedAt: Double?
    var programSignal: Int32?
    var unload = ""
    var leaks: [WireReference] = []
    var secondsToUnload: Double?
    /// The service's `probe` answer after the logoff, and its Win32 error code (nil: it worked).
    var serviceProbe = ""
    var serviceError: Int?
    var uploaded = false
    var roamingCopy: String?
    var roamingColor: String?
    var timeline: [Moment] = []

    var jsonObject: [String: Any] {
        func orNull<T>(_ v: T?) -> Any { v.map { $0 as Any } ?? NSNull() }
        return [
            "mode": mode, "policy": policy, "gracePeriod": gracePeriod,
            "session": session, "user": user, "sid": sid,
            "service": ["pid": Int(servicePid), "noticeAt": orNull(serviceNoticeAt), "probeAfterLogoff": serviceProbe,
                        "errorAfterLogoff": orNull(serviceError)] as [String: Any],
            "program": ["pid": Int(programPid), "endedAt": orNull(programEndedAt), "signal": orNull(programSignal.map(Int.init))]
                as [String: Any],
            "unload": unload,
            "leaks": leaks.map(\.jsonObject),
            "secondsToUnload": orNull(secondsToUnload),
            "uploaded": uploaded, "roamingCopy": orNull(roamingCopy), "roamingValue": orNull(roamingColor),
            "timeline": timeline.map { ["at": $0.at, "what": $0.what, "details": $0.details] as [String: Any] },
        ]
    }

    var json: String {
        let data = (try? JSONSerialization.data(withJSONObject: jsonObject, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
