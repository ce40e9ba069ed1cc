import RegistryTypes

/// Who the daemon says the connection is (its answer to `hello`).
public struct Welcome: Sendable, Hashable {
    public var pid: Int32
    public var account: String
    public var sid: String
    /// The logon session the process belongs to, if any.
    public var session: UInt32?
    /// The daemon runs in demo-identity mode (identity from `hello`, private socket only).
    public var demoIdentity: Bool
    public init(pid: Int32, account: String, sid: String, session: UInt32?, demoIdentity: Bool) {
        self.pid = pid; self.account = account; self.sid = sid; self.session = session; self.demoIdentity = demoIdentity
    }
}

/// A logon session: its user and the processes (connected clients) that belong to it.
public struct WireSession: Sendable, Hashable {
    public var id: UInt32
    public var user: String
    public var sid: String
    public var processes: [Int32]
    public init(id: UInt32, user: String, sid: String, processes: [Int32]) {
        self.id = id; self.user = user; self.sid = sid; self.processes = processes
    }
}

/// One reference into a hive: who holds it and how (`hivekeeper handles`).
public struct WireReference: Sendable, Hashable {
    public var pid: Int32
    public var executable: String
    public var account: String
    public var handle: UInt32?
    public var keyPath: String
    public var access: UInt32
    /// handle, predefinedCache or override (Registry's ReferenceKind).
    public var kind: String
    /// How the reference came to exist ("HKCU cache bound while impersonating …").
    public var origin: String
    public init(pid: Int32, executable: String, account: String, handle: UInt32?, keyPath: String, access: UInt32, kind: String,
                origin: String) {
        self.pid = pid; self.executable = executable; self.account = account; self.handle = handle
        self.keyPath = keyPath; self.access = access; self.kind = kind; self.origin = origin
    }
}

/// What a logoff did (Profiles' LogoffOutcome, flattened).
public struct WireLogoff: Sendable, Hashable {
    public var endedProcesses: [Int32]
    public var notifiedServices: [String]
    /// clean, afterWaiting, forced, stillInUse, cancelled, waiting or snapshot.
    public var unload: String
    /// The leak report's lines (event 1530), empty when nothing leaked.
    public var leakReport: [String]
    /// The same report's references, one by one.
    public var leaks: [WireReference]
    public var uploaded: Bool
    public var uploadPending: Bool
    /// Where the roaming copy was written, when it was.
    public var roamingCopy: String?
    public init(endedProcesses: [Int32], notifiedServices: [String], unload: String, leakReport: [String],
                leaks: [WireReference] = [], uploaded: Bool, uploadPending: Bool, roamingCopy: String? = nil) {
        self.endedProcesses = endedProcesses; self.notifiedServices = notifiedServices; self.unload = unload
        self.leakReport = leakReport; self.leaks = leaks; self.uploaded = uploaded; self.uploadPending = uploadPending
        self.roamingCopy = roamingCopy
    }
}

/// A successful answer's contents.
public enum Payload: Sendable, Hashable {
    case none
    case welcome(Welcome)
    /// A handle; for createKey, the disposition (1 created, 2 opened), otherwise 0.
    case handle(KeyHandle, disposition: UInt32)
    /// RegQueryInfoKey's answer (counts and sizes travel as u32).
    case keyInfo(KeyInfo)
    case key(EnumeratedKey)
    case value(RegistryValue)
    case session(UInt32)
    case sessions([WireSession])
    case references([WireReference])
    case logoff(WireLogoff)
    /// Event log entries as JSON lines, and the index to ask after next time.
    case events([String], next: UInt32)
    /// A self-relative security descriptor's bytes (RegGetKeySecurity).
    case securityDescriptor([UInt8])

    var tag: UInt16 {
        switch self {
        case .none: 0
        case .welcome: 1
        case .handle: 2
        case .keyInfo: 3
        case .key: 4
        case .value: 5
        case .session: 6
        case .sessions: 7
        case .references: 8
        case .logoff: 9
        case .events: 10
        case .securityDescriptor: 11
        }
    }

    func encode(into w: inout WireWriter) {
        w.u16(tag)
        switch self {
        case .none: break
        case let .welcome(x):
            w.u32(UInt32(bitPattern: x.pid)); w.string(x.account); w.string(x.sid)
            w.bool(x.session != nil); w.u32(x.session ?? 0); w.bool(x.demoIdentity)
        case let .handle(h, disposition):
            w.u32(h.rawValue); w.u32(disposition)
        case let .keyInfo(x):
            w.optionalName(x.className); w.u32(UInt32(clamping: x.subkeyCount)); w.u32(UInt32(clamping: x.maxSubkeyNameLength))
            w.u32(UInt32(clamping: x.maxClassNameLength)); w.u32(UInt32(clamping: x.valueCount))
            w.u32(UInt32(clamping: x.maxValueNameLength)); w.u32(UInt32(clamping: x.maxValueDataSize))
            w.u32(UInt32(clamping: x.securityDescriptorSize)); w.u64(x.lastWritten.rawValue)
        case let .key(k):
            w.name(k.name); w.optionalName(k.className); w.u64(k.lastWritten.rawValue)
        case let .value(v):
            w.name(v.name); w.u32(v.type.rawValue); w.data(v.data)
        case let .securityDescriptor(bytes):
            w.data(bytes)
        case let .session(s):
            w.u32(s)
        case let .sessions(list):
            w.u32(UInt32(list.count))
            for s in list {
                w.u32(s.id); w.string(s.user); w.string(s.sid)
                w.u32(UInt32(s.processes.count)); for p in s.processes { w.u32(UInt32(bitPattern: p)) }
            }
        case let .references(list):
            w.u32(UInt32(list.count))
            for r in list { Self.encode(r, into: &w) }
        case let .logoff(x):
            w.u32(UInt32(x.endedProcesses.count)); for p in x.endedProcesses { w.u32(UInt32(bitPattern: p)) }
            w.u32(UInt32(x.notifiedServices.count)); for s in x.notifiedServices { w.string(s) }
            w.string(x.unload)
            w.u32(UInt32(x.leakReport.count)); for l in x.leakReport { w.string(l) }
            w.u32(UInt32(x.leaks.count)); for r in x.leaks { Self.encode(r, into: &w) }
            w.bool(x.uploaded); w.bool(x.uploadPending); w.optionalString(x.roamingCopy)
        case let .events(lines, next):
            w.u32(UInt32(lines.count)); for l in lines { w.string(l) }
            w.u32(next)
        }
    }

    static func decode(from r: inout WireReader) throws(WireError) -> Payload {
        // A count can never exceed the bytes left (each element takes at least one byte), so a
        // forged count fails as truncated instead of reserving memory.
        func list<T>(_ field: String, _ element: (inout WireReader) throws(WireError) -> T) throws(WireError) -> [T] {
            let n = try r.u32(field)
            var out: [T] = []
            for _ in 0..<n { out.append(try element(&r)) }
            return out
        }
        let tag = try r.u16("payload tag")
        switch tag {
        case 0: return .none
        case 1:
            let pid = Int32(bitPattern: try r.u32("pid")), account = try r.string("account"), sid = try r.string("sid")
            let hasSession = try r.bool("session flag"), session = try r.u32("session")
            return .welcome(Welcome(pid: pid, account: account, sid: sid, session: hasSession ? session : nil,
                                    demoIdentity: try r.bool("demo identity")))
        case 2: return .handle(KeyHandle(rawValue: try r.u32("handle")), disposition: try r.u32("disposition"))
        case 3:
            return .keyInfo(KeyInfo(className: try r.optionalName("class"), subkeyCount: Int(try r.u32("subkeys")),
                                    maxSubkeyNameLength: Int(try r.u32("max subkey name")),
                                    maxClassNameLength: Int(try r.u32("max class name")), valueCount: Int(try r.u32("values")),
                                    maxValueNameLength: Int(try r.u32("max value name")),
                                    maxValueDataSize: Int(try r.u32("max value data")),
                                    securityDescriptorSize: Int(try r.u32("security descriptor size")),
                                    lastWritten: FileTime(rawValue: try r.u64("last written"))))
        case 4:
            return .key(EnumeratedKey(name: try r.name("name"), className: try r.optionalName("class"),
                                      lastWritten: FileTime(rawValue: try r.u64("last written"))))
        case 5:
            return .value(RegistryValue(name: try r.name("name"), type: RegistryValueType(try r.u32("type")), data: try r.data("data")))
        case 6: return .session(try r.u32("session"))
        case 7:
            return .sessions(try list("sessions") { r throws(WireError) in
                WireSession(id: try r.u32("session"), user: try r.string("user"), sid: try r.string("sid"),
                            processes: try Self.pids(&r))
            })
        case 8:
            return .references(try list("references") { r throws(WireError) in try Self.reference(&r) })
        case 9:
            let ended = try Self.pids(&r)
            let services = try list("services") { r throws(WireError) in try r.string("service") }
            let unload = try r.string("unload")
            let leak = try list("leak report") { r throws(WireError) in try r.string("line") }
            let leaks = try list("leaks") { r throws(WireError) in try Self.reference(&r) }
            return .logoff(WireLogoff(endedProcesses: ended, notifiedServices: services, unload: unload, leakReport: leak,
                                      leaks: leaks, uploaded: try r.bool("uploaded"), uploadPending: try r.bool("upload pending"),
                                      roamingCopy: try r.optionalString("roaming copy")))
        case 10:
            let lines = try list("events") { r throws(WireError) in try r.string("event") }
            return .events(lines, next: try r.u32("next"))
        case 11: return .securityDescriptor(try r.data("descriptor"))
        default: throw .unknownTag(kind: "payload", tag: tag)
        }
    }

    private static func pids(_ r: inout WireReader) throws(WireError) -> [Int32] {
        let n = try r.u32("pids")
        var out: [Int32] = []
        for _ in 0..<n { out.append(Int32(bitPattern: try r.u32("pid"))) }
        return out
    }

    private static func encode(_ r: WireReference, into w: inout WireWriter) {
        w.u32(UInt32(bitPattern: r.pid)); w.string(r.executable); w.string(r.account)
        w.bool(r.handle != nil); w.u32(r.handle ?? 0); w.string(r.keyPath); w.u32(r.access); w.string(r.kind)
        w.string(r.origin)
    }

    private static func reference(_ r: inout WireReader) throws(WireError) -> WireReference {
        let pid = Int32(bitPattern: try r.u32("pid")), exe = try r.string("executable"), account = try r.string("account")
        let hasHandle = try r.bool("handle flag"), handle = try r.u32("handle")
        return WireReference(pid: pid, executable: exe, account: account, handle: hasHandle ? handle : nil,
                             keyPath: try r.string("key path"), access: try r.u32("access"), kind: try r.string("kind"),
                             origin: try r.string("origin"))
    }
}

/// What the daemon says without being asked.
public enum Notice: Sendable, Hashable {
    /// SERVICE_CONTROL_SESSIONCHANGE: the WTS code (5 logon, 6 logoff) and the session.
    case sessionChange(code: UInt32, session: UInt32)
    /// The daemon is going away (shutdown, or this process's session ended); reconnect later.
    case goodbye(reason: String)
    /// A change notification completed: the id of the `notifyChangeKeyValue` request that made
    /// it, and the NTSTATUS its wait ends with (docs/live-registry.md, "Notifications").
    case changeNotified(request: UInt32, status: UInt32)
}
