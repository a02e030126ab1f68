import ClusterState
import NetworkNamespaces

/// Puts the compiled rules of a cluster into a lab's node namespace.
///
/// The lab only builds topology and sends packets; what gets installed is injected: the
/// compiled rules over netlink (`NetlinkInstaller`), or hand-written rules in tests.
public protocol RuleInstaller: Sendable {
    func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws
}

/// Several installers, in order (e.g. Service rules, then policy rules).
public struct CompositeInstaller: RuleInstaller {
    public var parts: [any RuleInstaller]

    public init(_ parts: [any RuleInstaller]) {
        self.parts = parts
    }

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        for part in parts { try part.install(cluster, into: namespace) }
    }
}

/// Installs fixed iptables-restore text, whatever the cluster (tests, hand-written rules).
public struct RestoreTextInstaller: RuleInstaller {
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        try IPTablesRestore.run(text, in: namespace)
    }
}

enum IPTablesRestore {
    /// Feeds `text` to `iptables-restore --noflush` inside the namespace (the child process
    /// inherits the namespace of the thread that spawns it).
    static func run(_ text: String, in namespace: NetworkNamespace) throws {
        let output = try NamespaceThread.run(in: namespace) {
            try HostCommand.run(["iptables-restore", "--noflush"], input: Array(text.utf8))
        }
        guard output.succeeded else {
            throw LabError("iptables-restore in \(namespace) failed: \(output.stderr.trimmingTrailingNewlines())")
        }
    }
}
