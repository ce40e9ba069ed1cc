import RegistryTypes

/// What a client asks of the daemon. The caller's identity is never in a request: the daemon
/// takes uid and pid from the socket (SO_PEERCRED); only the logical thread id travels, in the
/// envelope (`ClientFrame`), because impersonation is per thread.
public enum Request: Sendable, Hashable {
    /// The first message on a connection. `demoIdentity` names the account to act as and is
    /// honoured only by a daemon in demo-identity mode (docs/protocol.md).
    case hello(version: UInt16, demoIdentity: String?, executable: String?)

    // Keys and values (RegOpenKeyEx, RegCreateKeyEx, …); handles are KeyHandle raw values.
    case openKey(base: KeyHandle, path: RegistryName, access: UInt32, options: UInt32)
    case createKey(base: KeyHandle, path: RegistryName, access: UInt32, options: UInt32)
    case closeKey(KeyHandle)
    case deleteKey(base: KeyHandle, path: RegistryName)
    case deleteTree(base: KeyHandle, path: RegistryName?)
    case queryInfoKey(KeyHandle)
    case enumerateKey(KeyHandle, index: UInt32)
    case enumerateValue(KeyHandle, index: UInt32)
    case queryValue(KeyHandle, name: RegistryName)
    case setValue(KeyHandle, name: RegistryName, type: UInt32, data: [UInt8])
    case deleteValue(KeyHandle, name: RegistryName)
    case flushKey(KeyHandle)
    case loadKey(base: KeyHandle, subkey: RegistryName, file: String)
    case unloadKey(base: KeyHandle, subkey: RegistryName)
    /// RegSaveKey (flags 0) and RegSaveKeyEx (flags 1 REG_STANDARD_FORMAT, 2 REG_LATEST_FORMAT,
    /// 4 REG_NO_COMPRESSION).
    case saveKey(KeyHandle, file: String, flags: UInt32)
    case restoreKey(KeyHandle, file: String, flags: UInt32)
    case renameKey(KeyHandle, subkey: RegistryName?, newName: RegistryName)
    case copyTree(source: KeyHandle, subkey: RegistryName?, destination: KeyHandle)
    case loadAppKey(file: String, access: UInt32, options: UInt32)
    /// RegNotifyChangeKeyValue: answered once registered; the change (or the handle's close, the
    /// thread's end) comes later as a `changeNotified` notice carrying this request's id.
    case notifyChangeKeyValue(KeyHandle, watchSubtree: Bool, filter: UInt32)
    /// RegGetKeySecurity: answered with the self-relative descriptor's bytes.
    case getKeySecurity(KeyHandle)
    /// RegSetKeySecurity: a self-relative descriptor's bytes (owner and DACL are applied).
    case setKeySecurity(KeyHandle, descriptor: [UInt8])

    // Identity (per logical thread) and HKEY_CURRENT_USER.
    case impersonate(user: String)
    case revertToSelf
    case openCurrentUser(access: UInt32)
    case disablePredefinedCache
    /// The envelope's logical thread ended: its impersonation goes, and its change notifications
    /// made without REG_NOTIFY_THREAD_AGNOSTIC complete.
    case endThread

    // Sessions and what the profile service knows.
    case logon(user: String)
    case logoff(session: UInt32, policy: String?)
    case listSessions
    case handles(user: String?, hive: String?)
    case events(after: UInt32)
    /// Chaos for developers: the user's hives force-unloaded and loaded again (SYSTEM only).
    case chaosForceUnload(user: String)

    /// The file a request names (the daemon opens it with the caller's rights), if it names one.
    public var fileName: String? {
        switch self {
        case let .loadKey(_, _, file), let .saveKey(_, file, _), let .restoreKey(_, file, _), let .loadAppKey(file, _, _): file
        default: nil
        }
    }

    var tag: UInt16 {
        switch self {
        case .hello: 1
        case .openKey: 10
        case .createKey: 11
        case .closeKey: 12
        case .deleteKey: 13
        case .deleteTree: 14
        case .queryInfoKey: 15
        case .enumerateKey: 16
        case .enumerateValue: 17
        case .queryValue: 18
        case .setValue: 19
        case .deleteValue: 20
        case .flushKey: 21
        case .loadKey: 22
        case .unloadKey: 23
        case .saveKey: 24
        case .restoreKey: 25
        case .renameKey: 26
        case .copyTree: 27
        case .loadAppKey: 28
        case .notifyChangeKeyValue: 29
        case .getKeySecurity: 35
        case .setKeySecurity: 36
        case .impersonate: 30
        case .revertToSelf: 31
        case .openCurrentUser: 32
        case .disablePredefinedCache: 33
        case .endThread: 34
        case .logon: 40
        case .logoff: 41
        case .listSessions: 42
        case .handles: 43
        case .events: 44
        case .chaosForceUnload: 45
        }
    }

    func encode(into w: inout WireWriter) {
        w.u16(tag)
        switch self {
        case let .hello(version, demoIdentity, executable):
            w.u16(version); w.optionalString(demoIdentity); w.optionalString(executable)
        case let .openKey(base, path, access, options), let .createKey(base, path, access, options):
            w.u32(base.rawValue); w.name(path); w.u32(access); w.u32(options)
        case let .closeKey(h), let .queryInfoKey(h), let .flushKey(h), let .getKeySecurity(h):
            w.u32(h.rawValue)
        case let .setKeySecurity(h, descriptor):
            w.u32(h.rawValue); w.data(descriptor)
        case let .deleteKey(base, path):
            w.u32(base.rawValue); w.name(path)
        case let .deleteTree(base, path):
            w.u32(base.rawValue); w.optionalName(path)
        case let .enumerateKey(h, index), let .enumerateValue(h, index):
            w.u32(h.rawValue); w.u32(index)
        case let .queryValue(h, name), let .deleteValue(h, name):
            w.u32(h.rawValue); w.name(name)
        case let .setValue(h, name, type, data):
            w.u32(h.rawValue); w.name(name); w.u32(type); w.data(data)
        case let .loadKey(base, subkey, file):
            w.u32(base.rawValue); w.name(subkey); w.string(file)
        case let .unloadKey(base, subkey):
            w.u32(base.rawValue); w.name(subkey)
        case let .saveKey(h, file, flags):
            w.u32(h.rawValue); w.string(file); w.u32(flags)
        case let .restoreKey(h, file, flags):
            w.u32(h.rawValue); w.string(file); w.u32(flags)
        case let .renameKey(h, subkey, newName):
            w.u32(h.rawValue); w.optionalName(subkey); w.name(newName)
        case let .copyTree(source, subkey, destination):
            w.u32(source.rawValue); w.optionalName(subkey); w.u32(destination.rawValue)
        case let .loadAppKey(file, access, options):
            w.string(file); w.u32(access); w.u32(options)
        case let .notifyChangeKeyValue(h, watchSubtree, filter):
            w.u32(h.rawValue); w.bool(watchSubtree); w.u32(filter)
        case let .impersonate(user), let .logon(user), let .chaosForceUnload(user):
            w.string(user)
        case .revertToSelf, .disablePredefinedCache, .endThread, .listSessions:
            break
        case let .openCurrentUser(access):
            w.u32(access)
        case let .logoff(session, policy):
            w.u32(session); w.optionalString(policy)
        case let .handles(user, hive):
            w.optionalString(user); w.optionalString(hive)
        case let .events(after):
            w.u32(after)
        }
    }

    static func decode(from r: inout WireReader) throws(WireError) -> Request {
        let tag = try r.u16("request tag")
        func handle(_ field: String) throws(WireError) -> KeyHandle { KeyHandle(rawValue: try r.u32(field)) }
        switch tag {
        case 1: return .hello(version: try r.u16("version"), demoIdentity: try r.optionalString("demo identity"),
                              executable: try r.optionalString("executable"))
        case 10, 11:
            let base = try handle("base key"), path = try r.name("path"), access = try r.u32("access"), options = try r.u32("options")
            return tag == 10 ? .openKey(base: base, path: path, access: access, options: options)
                : .createKey(base: base, path: path, access: access, options: options)
        case 12: return .closeKey(try handle("key"))
        case 13: return .deleteKey(base: try handle("base key"), path: try r.name("path"))
        case 14: return .deleteTree(base: try handle("base key"), path: try r.optionalName("path"))
        case 15: return .queryInfoKey(try handle("key"))
        case 16: return .enumerateKey(try handle("key"), index: try r.u32("index"))
        case 17: return .enumerateValue(try handle("key"), index: try r.u32("index"))
        case 18: return .queryValue(try handle("key"), name: try r.name("value name"))
        case 19: return .setValue(try handle("key"), name: try r.name("value name"), type: try r.u32("type"), data: try r.data("data"))
        case 20: return .deleteValue(try handle("key"), name: try r.name("value name"))
        case 21: return .flushKey(try handle("key"))
        case 22: return .loadKey(base: try handle("base key"), subkey: try r.name("subkey"), file: try r.string("file"))
        case 23: return .unloadKey(base: try handle("base key"), subkey: try r.name("subkey"))
        case 24: return .saveKey(try handle("key"), file: try r.string("file"), flags: try r.u32("flags"))
        case 25: return .restoreKey(try handle("key"), file: try r.string("file"), flags: try r.u32("flags"))
        case 26: return .renameKey(try handle("key"), subkey: try r.optionalName("subkey"), newName: try r.name("new name"))
        case 27: return .copyTree(source: try handle("source key"), subkey: try r.optionalName("subkey"),
                                  destination: try handle("destination key"))
        case 28: return .loadAppKey(file: try r.string("file"), access: try r.u32("access"), options: try r.u32("options"))
        case 29: return .notifyChangeKeyValue(try handle("key"), watchSubtree: try r.bool("watch subtree"), filter: try r.u32("filter"))
        case 30: return .impersonate(user: try r.string("user"))
        case 31: return .revertToSelf
        case 32: return .openCurrentUser(access: try r.u32("access"))
        case 33: return .disablePredefinedCache
        case 34: return .endThread
        case 35: return .getKeySecurity(try handle("key"))
        case 36: return .setKeySecurity(try handle("key"), descriptor: try r.data("descriptor"))
        case 40: return .logon(user: try r.string("user"))
        case 41: return .logoff(session: try r.u32("session"), policy: try r.optionalString("policy"))
        case 42: return .listSessions
        case 43: return .handles(user: try r.optionalString("user"), hive: try r.optionalString("hive"))
        case 44: return .events(after: try r.u32("index"))
        case 45: return .chaosForceUnload(user: try r.string("user"))
        default: throw .unknownTag(kind: "request", tag: tag)
        }
    }
}
