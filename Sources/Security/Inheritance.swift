/// What a new object's descriptor is made of (CreatePrivateObjectSecurity; for keys, what
/// RegCreateKeyEx gives a new key). Sources: Microsoft, "ACE Inheritance Rules",
/// "Automatic Propagation of Inheritable ACEs", "Creator Owner and Creator Group".
extension SecurityDescriptor {
    /// The descriptor of a new object created under `parent` by `creator`, with `explicit`
    /// (the caller's descriptor, if any) on top:
    /// - owner and group: the explicit ones, else the token's owner and primary group;
    /// - DACL: the explicit ACEs, then the ACEs inherited from the parent (none when the explicit
    ///   DACL is protected); with neither, the token's default DACL;
    /// - SACL: the same, without a default.
    /// Inherited ACEs carry INHERITED_ACE; the DACL is marked auto-inherited when the parent's is.
    public static func forNewObject(
        under parent: SecurityDescriptor?, explicit: SecurityDescriptor? = nil, creator: Token,
        isContainer: Bool = true, mapping: GenericMapping = .key
    ) -> SecurityDescriptor {
        let owner = explicit?.owner ?? creator.owner
        let group = explicit?.group ?? creator.primaryGroup
        func combine(_ explicitACL: ACL?, explicitPresent: Bool, protected: Bool, parentACL: ACL?) -> ACL? {
            var inherited: [ACE] = []
            if !protected, let parentACL {
                for ace in parentACL.aces {
                    inherited += inherit(ace, isContainer: isContainer, owner: owner, group: group, mapping: mapping)
                }
            }
            guard explicitPresent || !inherited.isEmpty else { return nil }
            var acl = ACL((explicitACL?.aces ?? []).filter { !$0.flags.contains(.inherited) })
            acl.aces += inherited
            return acl
        }
        let e = explicit?.control ?? []
        let dacl = combine(explicit?.dacl, explicitPresent: e.contains(.daclPresent) && explicit?.dacl != nil,
                           protected: e.contains(.daclProtected), parentACL: parent?.effectiveDACL)
            ?? creator.defaultDACL
        let sacl = combine(explicit?.sacl, explicitPresent: e.contains(.saclPresent) && explicit?.sacl != nil,
                           protected: e.contains(.saclProtected),
                           parentACL: parent?.control.contains(.saclPresent) == true ? parent?.sacl : nil)
        var control = e.intersection([.daclProtected, .saclProtected])
        if parent?.control.contains(.daclAutoInherited) == true { control.insert(.daclAutoInherited) }
        if sacl != nil, parent?.control.contains(.saclAutoInherited) == true { control.insert(.saclAutoInherited) }
        return SecurityDescriptor(owner: owner, group: group, dacl: dacl, sacl: sacl, control: control)
    }

    /// The ACEs a child gets from one parent ACE.
    /// - Container child: a CONTAINER_INHERIT ACE becomes effective, and stays inheritable unless
    ///   NO_PROPAGATE_INHERIT is set; an OBJECT_INHERIT-only ACE is passed on as inherit-only
    ///   (OI|IO), or not at all with NO_PROPAGATE_INHERIT.
    /// - Non-container child: an OBJECT_INHERIT ACE becomes effective, not inheritable.
    /// An effective copy has generic rights mapped and CREATOR OWNER/GROUP replaced by the new
    /// owner/group; when that changes the ACE and it must also propagate, it is split in two: the
    /// effective copy, and the original kept inherit-only for grandchildren.
    static func inherit(_ ace: ACE, isContainer: Bool, owner: SID, group: SID, mapping: GenericMapping) -> [ACE] {
        let f = ace.flags
        let audit = f.intersection([.successfulAccess, .failedAccess])
        let np = f.contains(.noPropagateInherit)
        func effective() -> ACE {
            var e = ace
            e.flags = audit.union(.inherited)
            if ace.sid != nil { e.mask = mapping.map(ace.mask) }
            if ace.sid == .creatorOwner { e.sid = owner } else if ace.sid == .creatorGroup { e.sid = group }
            return e
        }
        guard isContainer else { return f.contains(.objectInherit) ? [effective()] : [] }
        if f.contains(.containerInherit) {
            if np { return [effective()] }
            let eff = effective()
            var propagated = ace
            propagated.flags = f.intersection([.objectInherit, .containerInherit]).union(audit).union(.inherited)
            if eff.mask == ace.mask && eff.sid == ace.sid { return [propagated] }
            propagated.flags.insert(.inheritOnly)
            return [eff, propagated]
        }
        if f.contains(.objectInherit), !np {
            var passed = ace
            passed.flags = audit.union([.objectInherit, .inheritOnly, .inherited])
            return [passed]
        }
        return []
    }
}
