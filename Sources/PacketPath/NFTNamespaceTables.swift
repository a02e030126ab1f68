import NetworkAddresses
import NetworkNamespaces
import NFTText
import RuleModel

/// Reads kube-proxy's nftables tables (`ip kube-proxy`, `ip6 kube-proxy`) of a named
/// namespace by running `nft list table` inside it and parsing the listing.
///
/// This is the simple route, not the final one: the text is what nft prints, parsed by
/// `NFTParser`, rather than the kernel's objects read over netlink as the iptables-nft
/// tables are; a native netlink read-back of nft tables is left to a later issue. If `nft`
/// cannot be started the namespace is taken to hold no nft tables (a node in nftables mode
/// has it: kube-proxy programs its table through it).
enum NFTNamespaceTables {
    static func rulesets(namespace name: String) throws -> [Ruleset] {
        var rulesets: [Ruleset] = []
        for family in ["ip", "ip6"] {
            let output: HostCommand.Output
            do {
                output = try HostCommand.run(["ip", "netns", "exec", name, "nft", "list", "table", family, "kube-proxy"])
            } catch {
                return []
            }
            guard output.status == 0 else {
                // No such table: nothing of this family.
                if output.stderr.contains("No such file or directory") { continue }
                let reason = output.stderr.split(separator: "\n").first.map(String.init) ?? "exit status \(output.status)"
                throw SideError("netns:\(name): nft list table \(family) kube-proxy failed: \(reason)")
            }
            do {
                rulesets += try NFTParser(sourceName: "netns:\(name) \(family) kube-proxy").parse(output.stdout)
            } catch {
                throw SideError("\(error)")
            }
        }
        return rulesets
    }

    /// The iptables-nft rulesets with the nft tables added to the family they belong to.
    static func merged(_ iptables: [Ruleset], _ nft: [Ruleset]) -> [Ruleset] {
        var byFamily: [IPFamily: Ruleset] = [:]
        for ruleset in iptables + nft {
            byFamily[ruleset.family, default: Ruleset(family: ruleset.family)].tables += ruleset.tables
        }
        return byFamily.keys.sorted().map { byFamily[$0]! }
    }
}
