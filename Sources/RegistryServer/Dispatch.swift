import Foundation
import HiveFormat
import Profiles
import Registry
import Security
import Wire

extension RegistryService {
    /// The answer to one request of process `pid` (already identified by `hello`), which came on
    /// `connection` (where notices for it go later).
    public func answer(_ frame: ClientFrame, from pid: Int32, on connection: any ClientConnection) -> Answer {
        let id = frame.id
        switch frame.request {
        case .logon, .logoff, .listSessions, .chaosForceUnload:
            // The calling thread's identity decides, as for every call: SYSTEM impersonating a
            // user is that user here.
            let system = (try? caller(pid, frame.thread))?.token.user == .localSystem
            return .later { await self.profileCall(frame, pid, system: system) }
        default: break
        }
        if let file = frame.request.fileName, !file.hasPrefix("/") {
            // A relative path would resolve in the daemon's working directory, not the caller's.
            return .now(.failure(id: id, code: Win32Error.badPathname.rawValue,
                                 message: "\(Win32Error.badPathname): the file must be an absolute path: \(file)"))
        }
        if frame.request.doesFileIO {
            return .later {
                await BlockingCalls.run { self.reply(frame, from: pid, on: connection) }
                    ?? .failure(id: id, code: Win32Error.registryIOFailed.rawValue, message: "the daemon is shutting down")
            }
        }
        return .now(reply(frame, from: pid, on: connection))
    }

    /// The reply to a registry call (on the event loop, or for file I/O on the blocking pool).
    private func reply(_ frame: ClientFrame, from pid: Int32, on connection: any ClientConnection) -> ServerFrame {
        let id = frame.id
        do throws(Win32Error) {
            return .reply(id: id, try registryCall(frame.request, id: id, thread: frame.thread, pid, connection))
        } catch {
            // A failure with a detail (a file a load or restore could not use: which, where, why)
            // is worth the administrator's log too; the bare codes of everyday calls are not.
            if let detail = error.detail {
                logger.notice("call failed", metadata: ["pid": "\(pid)", "error": "\(Win32Error(rawValue: error.rawValue))",
                                                        "detail": "\(detail)"])
            }
            return .failure(id: id, code: error.rawValue, message: error.message)
        }
    }

    /// A registry call of request `id`; `connection` is where a notification it registers is
    /// signalled later.
    private func registryCall(_ request: Request, id: UInt32, thread: UInt32, _ pid: Int32,
                              _ connection: any ClientConnection) throws(Win32Error) -> Payload {
        let caller = try caller(pid, thread)
        switch request {
        case .hello:
            throw .invalidParameter  // once per connection, handled by Connection
        case let .openKey(base, path, access, options):
            return .handle(try registry.openKey(base, path, access: AccessMask(rawValue: access), options: KeyOptions(rawValue: options), as: caller),
                           disposition: 0)
        case let .createKey(base, path, access, options):
            let (h, d) = try registry.createKey(base, path, options: KeyOptions(rawValue: options), access: AccessMask(rawValue: access), as: caller)
            return .handle(h, disposition: d.rawValue)
        case let .closeKey(h):
            try registry.closeKey(h, as: caller)
        case let .deleteKey(base, path):
            try registry.deleteKey(base, path, as: caller)
        case let .deleteTree(base, path):
            try registry.deleteTree(base, path, as: caller)
        case let .queryInfoKey(h):
            return .keyInfo(try registry.queryInfoKey(h, as: caller))
        case let .enumerateKey(h, index):
            return .key(try registry.enumerateKey(h, index: Int(index), as: caller))
        case let .enumerateValue(h, index):
            return .value(try registry.enumerateValue(h, index: Int(index), as: caller))
        case let .queryValue(h, name):
            return .value(try registry.queryValue(h, name, as: caller))
        case let .setValue(h, name, type, data):
            try registry.setValue(h, name, type: RegistryValueType(type), data: data, as: caller)
        case let .deleteValue(h, name):
            try registry.deleteValue(h, name, as: caller)
        case let .flushKey(h):
            try registry.flushKey(h, as: caller)
        case let .loadKey(base, subkey, file):
            // Mount points are kept as strings: a lone surrogate in a hive's name becomes U+FFFD.
            try registry.loadKey(base, subkey.text, file: file, as: caller)
        case let .unloadKey(base, subkey):
            try registry.unloadKey(base, subkey.text, as: caller)
        case let .saveKey(key, file, flags):
            // 0 is RegSaveKey; RegSaveKeyEx takes exactly one format ([D-RegSaveKeyEx]).
            guard let format = flags == 0 ? .standard : SaveFormat(rawValue: flags) else { throw .invalidParameter }
            try registry.saveKey(key, file: file, format: format, as: caller)
        case let .restoreKey(key, file, flags):
            // REG_FORCE_RESTORE is the one flag; REG_WHOLE_HIVE_VOLATILE and the others are not offered.
            guard flags & ~0x8 == 0 else { throw .invalidParameter }
            try registry.restoreKey(key, file: file, force: flags & 0x8 != 0, as: caller)
        case let .getKeySecurity(key):
            return .securityDescriptor(try registry.keySecurity(key, as: caller).bytes)
        case let .setKeySecurity(key, bytes):
            guard let descriptor = try? SecurityDescriptor(bytes: bytes) else { throw .invalidParameter }
            try registry.setKeySecurity(key, descriptor, as: caller)
        case let .renameKey(key, subkey, newName):
            try registry.renameKey(key, subkey, to: newName, as: caller)
        case let .copyTree(source, subkey, destination):
            try registry.copyTree(source, subkey, to: destination, as: caller)
        case let .loadAppKey(file, access, options):
            return .handle(try registry.loadAppKey(file: file, access: AccessMask(rawValue: access),
                                                   options: AppKeyOptions(rawValue: options), as: caller), disposition: 0)
        case let .impersonate(user):
            guard let account = account(named: user) else { throw Self.noAccount(user) }
            do {
                clients.setImpersonation(pid: pid, thread: thread, try machine.impersonationToken(for: account, in: ProcessID(pid)))
            } catch {
                throw error.win32
            }
        case .revertToSelf:
            clients.setImpersonation(pid: pid, thread: thread, nil)
        case let .openCurrentUser(access):
            let token = caller.token
            let result: Result<KeyHandle, ProfileError> = ThreadIdentity.$impersonation.withValue(token) {
                Result { () throws(ProfileError) in try machine.openCurrentUser(ProcessID(pid), access: AccessMask(rawValue: access)) }
            }
            return .handle(try result.mapError(\.win32).get(), disposition: 0)
        case .disablePredefinedCache:
            registry.disablePredefinedCache(as: caller)
        case .endThread:
            clients.setImpersonation(pid: pid, thread: thread, nil)
            registry.threadExited(ProcessID(pid), thread: ThreadID(UInt64(thread)))
        case let .handles(user, hive):
            return .references(try references(user: user, hive: hive, asking: caller))
        case let .events(after):
            return try eventLines(after: after, asking: caller)
        case let .notifyChangeKeyValue(key, subtree, filter):
            try registry.notifyChangeKeyValue(key, watchSubtree: subtree, filter: NotifyFilter(rawValue: filter),
                                              thread: ThreadID(UInt64(thread)), as: caller) { [weak connection] status in
                connection?.send(.changeNotified(request: id, status: status.rawValue))
            }
        case .logon, .logoff, .listSessions, .chaosForceUnload:
            throw .invalidParameter  // profile calls: `profileCall`
        }
        return .none
    }

    /// Logon, logoff and the session list: the profile service's actor, off the event loop.
    private func profileCall(_ frame: ClientFrame, _ pid: Int32, system: Bool) async -> ServerFrame {
        do throws(Win32Error) {
            return .reply(id: frame.id, try await profileRequest(frame.request, pid, system: system))
        } catch {
            return .failure(id: frame.id, code: error.rawValue, message: error.message)
        }
    }

    private func profileRequest(_ request: Request, _ pid: Int32, system: Bool) async throws(Win32Error) -> Payload {
        switch request {
        case let .logon(user):
            let account = try profileOwner(user, system: system)
            do {
                let s = try await profiles.logon(account)
                logger.info("logon", metadata: ["user": "\(user)", "session": "\(s)"])
                return .session(UInt32(s))
            } catch {
                throw error.win32
            }
        case let .logoff(session, policyName):
            guard system else { throw .privilegeNotHeld }
            var policy: UnloadPolicy?
            if let policyName {
                guard let p = UnloadPolicy(rawValue: policyName) else { throw .invalidParameter }
                policy = p
            }
            do {
                let o = try await profiles.logoff(session: Int(session), policy: policy)
                logger.info("logoff", metadata: ["session": "\(session)", "unload": "\(o.unload.name)"])
                return .logoff(WireLogoff(endedProcesses: o.endedProcesses.map(\.rawValue), notifiedServices: o.notifiedServices,
                                          unload: o.unload.name, leakReport: o.leakReport?.lines ?? [],
                                          leaks: wireReferences(o.leakReport?.entries ?? []),
                                          uploaded: o.uploaded, uploadPending: o.uploadPending, roamingCopy: o.roamingCopy))
            } catch {
                throw error.win32
            }
        case let .chaosForceUnload(user):
            let account = try profileOwner(user, system: system)
            do {
                let broken = try await profiles.chaosForceUnload(account)
                logger.notice("chaos: forced unload", metadata: ["user": "\(user)", "references": "\(broken.entries.count)"])
                return .references(wireReferences(broken.entries))
            } catch {
                throw error.win32
            }
        case .listSessions:
            let sessions = await profiles.activeSessions
            return .sessions(sessions.sorted { $0.key < $1.key }.map { id, account in
                WireSession(id: UInt32(id), user: account.name, sid: account.sid.description,
                            processes: machine.processes(inSession: id).map(\.pid.rawValue))
            })
        default:
            throw .invalidParameter
        }
    }

    /// The account whose profile a SYSTEM-only call acts on: 1314 for anyone but SYSTEM, 1332
    /// for a name that maps to no account (or to SYSTEM, which has no profile).
    private func profileOwner(_ user: String, system: Bool) throws(Win32Error) -> Account {
        guard system else { throw .privilegeNotHeld }
        guard let account = account(named: user), account.sid != .localSystem else { throw Self.noAccount(user) }
        return account
    }

    /// ERROR_NONE_MAPPED, saying the name that maps to no account.
    static func noAccount(_ name: String) -> Win32Error {
        Win32Error(.noneMapped, detail: "no account is named \(name)")
    }

    /// A leak report's references as the wire carries them (the account of a process still
    /// running named as it is now).
    private func wireReferences(_ entries: [LeakReport.Entry]) -> [WireReference] {
        entries.map { e in
            wireReference(e.reference, executable: e.executable,
                          account: machine.process(e.reference.process)?.account.name ?? e.account, origin: e.origin)
        }
    }

    /// References into one user's hives or one hive (all loaded hives when neither is named).
    /// Anyone may ask about their own user's hives; only SYSTEM about others'.
    private func references(user: String?, hive: String?, asking caller: RegistryCaller) throws(Win32Error) -> [WireReference] {
        var paths: [String]
        if let user {
            guard let account = account(named: user) else { throw Self.noAccount(user) }
            paths = ["\\REGISTRY\\USER\\\(account.sid)", "\\REGISTRY\\USER\\\(account.sid)_Classes"]
        } else if let hive {
            guard let p = RegistryService.hivePath(hive) else { throw .badPathname }
            paths = [p]
        } else {
            paths = registry.loadedHives.filter { !$0.contains(" (snapshot ") }
        }
        if caller.token.user != .localSystem {
            let own = "\\REGISTRY\\USER\\\(caller.token.user)".uppercased()
            let foreign = paths.filter { $0.uppercased() != own && $0.uppercased() != own + "_CLASSES" }
            if user != nil || hive != nil { guard foreign.isEmpty else { throw .accessDenied } }
            paths.removeAll { foreign.contains($0) }
        }
        return paths.flatMap { registry.references(toHiveAt: $0) }.map { r in
            let p = machine.process(r.process)
            return wireReference(r, executable: p?.executable ?? "?", account: p?.account.name ?? "?", origin: machine.origin(of: r))
        }
    }

    private func wireReference(_ r: HiveReference, executable: String, account: String, origin: String) -> WireReference {
        WireReference(pid: r.process.rawValue, executable: executable, account: account, handle: r.handle?.rawValue,
                      keyPath: r.keyPath, access: r.access.rawValue, kind: r.kind.rawValue, origin: origin)
    }

    /// `HKU\X`, `HKEY_USERS\X`, `HKLM\X`, `HKEY_LOCAL_MACHINE\X` or `\REGISTRY\…` as a mount path.
    static func hivePath(_ name: String) -> String? {
        let parts = name.split(separator: "\\", omittingEmptySubsequences: true).map(String.init)
        guard let first = parts.first?.uppercased() else { return nil }
        switch first {
        case "HKU", "HKEY_USERS": return parts.count == 2 ? "\\REGISTRY\\USER\\\(parts[1])" : nil
        case "HKLM", "HKEY_LOCAL_MACHINE": return parts.count == 2 ? "\\REGISTRY\\MACHINE\\\(parts[1])" : nil
        case "REGISTRY": return parts.count == 3 ? "\\" + parts.joined(separator: "\\") : nil
        default: return nil
        }
    }

    /// Event log entries after index `after`, as JSON lines: all of them for SYSTEM, a user's
    /// own otherwise.
    private func eventLines(after: UInt32, asking caller: RegistryCaller) throws(Win32Error) -> Payload {
        let all = events.all
        let start = min(Int(after), all.count)
        // The calling thread's user: a service impersonating alice sees alice's events, not the
        // service's; SYSTEM impersonating nobody sees all.
        let everything = caller.token.user == .localSystem
        let me = everything ? nil : machine.account(sid: caller.token.user)?.name
        let lines = all[start...].filter { everything || ($0.user != nil && $0.user == me) }.map(EventLog.jsonLine)
        return .events(lines, next: UInt32(all.count))
    }
}

extension ProfileError {
    /// The Win32 code a client sees.
    var win32: Win32Error {
        switch self {
        case let .registry(e): e
        case .privilegeNotHeld: .privilegeNotHeld
        case .noSuchProcess: .invalidHandle
        case .noSuchSession: .noSuchLogonSession
        case let .store(reason): Win32Error(.generalFailure, detail: reason)
        }
    }
}

extension LogoffOutcome.Unload {
    var name: String {
        switch self {
        case .clean: "clean"
        case .afterWaiting: "afterWaiting"
        case .forced: "forced"
        case .forceFailed: "forceFailed"
        case .stillInUse: "stillInUse"
        case .cancelled: "cancelled"
        case .waiting: "waiting"
        case .snapshot: "snapshot"
        }
    }
}
