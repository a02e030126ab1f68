import IPTablesText
import NetworkAddresses
import NetworkNamespaces
import RuleModel

/// Reads the rules a live network namespace holds, for `netns:NAME` inputs.
///
/// `IPTablesSaveNamespaceReader` asks iptables-save. That covers rules written by
/// iptables-restore, by kube-proxy, and by `packetpath apply` (which encodes rules exactly as
/// iptables-nft does, so iptables-save prints them back). A reader that decodes nf_tables
/// expressions straight into the rule model would plug in here.
public protocol LiveRulesReader: Sendable {
    /// One ruleset per IP family that has tables in the namespace.
    func rulesets(namespace: String) throws -> [Ruleset]
}

/// Runs `iptables-save` and `ip6tables-save` inside a named namespace (`ip netns exec`) and
/// parses their output. Needs root. Tables iptables-nft cannot print (native nftables rules)
/// make it fail with a clear message rather than be skipped.
public struct IPTablesSaveNamespaceReader: LiveRulesReader {
    public init() {}

    public func rulesets(namespace: String) throws -> [Ruleset] {
        var result: [Ruleset] = []
        for (command, family) in [("iptables-save", IPFamily.ipv4), ("ip6tables-save", IPFamily.ipv6)] {
            let output = try HostCommand.run(["ip", "netns", "exec", namespace, command])
            guard output.succeeded else {
                let reason = output.stderr.split(separator: "\n").first.map(String.init) ?? "exit status \(output.status)"
                throw SideError("netns:\(namespace): \(command) failed: \(reason)")
            }
            if let line = output.stdout.split(separator: "\n").first(where: { $0.contains("is incompatible, use 'nft' tool") }) {
                throw SideError("netns:\(namespace): \(command) cannot read these rules (\(line.drop { $0 == "#" || $0 == " " })); "
                    + "they need the netlink read-back")
            }
            guard IPTablesSaveParser.looksLikeRules(output.stdout) else { continue }
            result += try IPTablesSaveParser(sourceName: "netns:\(namespace) \(command)", family: family).parse(output.stdout)
        }
        return result
    }
}
