import NetfilterNetlink
import NetworkNamespaces
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// Applies rulesets to a network namespace as one atomic nf_tables batch, in iptables-nft's
/// encoding, touching only what PacketPath owns (see `Ownership`) and only what changed.
///
/// Re-applying an unchanged ruleset sends nothing: if the kernel's generation is still the one
/// PacketPath's last commit produced and the fingerprint matches, nothing can have changed;
/// otherwise the kernel state is read back and a minimal transaction planned.
public struct NetfilterApplier: Sendable {
    public var options: ApplyOptions

    public init(options: ApplyOptions = ApplyOptions()) {
        self.options = options
    }

    /// Applies into `namespace`, working on a dedicated thread that enters it; with what
    /// `readAhead(_:)` of the same namespace read while the rulesets were being made.
    public func apply(_ rulesets: [Ruleset], into namespace: NetworkNamespace,
                      readAhead: KernelReadAhead? = nil) throws -> ApplyReport {
        let snapshot = readAhead?.takeIPTables()
        return try withConnection(to: namespace) {
            try Session(options: options, snapshot: snapshot).apply(rulesets, connection: $0)
        }
    }

    /// Removes everything PacketPath owns in `namespace` (see `Ownership`).
    public func reset(_ namespace: NetworkNamespace) throws -> ApplyReport {
        try withConnection(to: namespace) { try Session(options: options).reset(connection: $0) }
    }

    /// Applies through any connection (the in-memory `FakeKernel` in tests). No privilege or
    /// namespace checks: the connection decides where the rules go.
    public func apply(_ rulesets: [Ruleset], connection: KernelConnection, readAhead: KernelReadAhead? = nil) throws -> ApplyReport {
        let snapshot = readAhead?.takeIPTables()
        return try Self.translating { try Session(options: options, snapshot: snapshot).apply(rulesets, connection: connection) }
    }

    public func reset(connection: KernelConnection) throws -> ApplyReport {
        try Self.translating { try Session(options: options).reset(connection: connection) }
    }

    /// Applies into the namespace of the calling thread, which must be a thread of its own
    /// (from `NamespaceThread`), not a shared one.
    public func applyInCurrentNamespace(_ rulesets: [Ruleset]) throws -> ApplyReport {
        if let reason = Privileges.missingReason { throw ApplyError.notPrivileged(reason) }
        if !options.host {
            let current = try? NetworkNamespace.current.identity()
            let own = try? NetworkNamespace(path: "/proc/self/ns/net").identity()
            if current == nil || current == own { throw ApplyError.refusingHostNamespace("the current namespace") }
        }
        return try Self.translating {
            try Session(options: options).apply(rulesets, connection: NetlinkConnection(NetfilterSocket()))
        }
    }

    private func withConnection(to namespace: NetworkNamespace,
                                _ body: @escaping (KernelConnection) throws -> ApplyReport) throws -> ApplyReport {
        if let reason = Privileges.missingReason { throw ApplyError.notPrivileged(reason) }
        let target: NamespaceIdentity
        let own: NamespaceIdentity
        do {
            target = try namespace.identity()
            own = try NetworkNamespace(path: "/proc/self/ns/net").identity()
        } catch let error as NamespaceError {
            throw ApplyError.namespace(error.description)
        }
        if target == own && !options.host { throw ApplyError.refusingHostNamespace(namespace.description) }
        do {
            return try NetfilterSocket.withSocket(in: namespace) { socket in
                try Self.translating { try body(NetlinkConnection(socket)) }
            }
        } catch let error as NamespaceError {
            throw ApplyError.namespace(error.description)
        }
    }

    private static func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NetfilterError {
            throw Session.translate(error)
        }
    }
}
