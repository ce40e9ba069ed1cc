import Security

/// How a reference into a hive was made (what a leak report says about it).
public enum ReferenceKind: String, Sendable, Hashable {
    /// A handle the process opened or created.
    case handle
    /// HKEY_CURRENT_USER's per-process cache, bound by the first use ([C3]: the hidden one).
    case predefinedCache
    /// A predefined key overridden with RegOverridePredefKey.
    case override
    /// A pending change notification (the registry-complete issue).
    case notification
    /// An application hive's handle (RegLoadAppKey).
    case appKey
}

/// One reference into a hive: who holds it, on which key, with what access, made how.
public struct HiveReference: Sendable, Hashable, CustomStringConvertible {
    public var process: ProcessID
    /// The handle value, for `.handle` references.
    public var handle: KeyHandle?
    /// The key's full path (\REGISTRY\USER\S-1-5-21-…\Software).
    public var keyPath: String
    public var access: AccessMask
    public var kind: ReferenceKind

    public var description: String {
        let h = handle.map { " handle \($0)" } ?? ""
        return "process \(process)\(h) has opened key \(keyPath) (\(kind.rawValue), access \(access))"
    }
}
