import IPTablesNFTEncoding
import NetfilterApply
import NFTablesEncoding
import NetfilterNetlink
import NetworkNamespaces
import RuleModel

/// Reads a named namespace's `ip`/`ip6` `filter` and `nat` tables back over netlink, plus
/// kube-proxy's nftables tables (`ip`/`ip6` `kube-proxy`; see `NFTNamespaceTables`), and
/// decodes their nf_tables expressions into the rule model (`IPTablesNFTReader`,
/// `NFTablesDecoder`). Covers rules written by `packetpath apply`, iptables-restore,
/// kube-proxy — anything in iptables-nft's or nft's encoding of what the model holds. Needs
/// root (entering the namespace, reading nf_tables).
///
/// A chain or rule the model cannot hold (a foreign rule with `-i eth0`, a native nft
/// expression, a non-iptables base chain) makes the read fail, listing every such rule with
/// its family, table, chain, position and expression. It is not reported as "undecodable
/// drift" and the rest compared: the model has no way to carry an opaque rule into the diff,
/// and any unread rule in these tables can change where packets go (an early DROP, a jump
/// elsewhere), so a diff that skipped it would claim an agreement it cannot know.
public struct NetlinkNamespaceReader: LiveRulesReader {
    public init() {}

    public func rulesets(namespace name: String) throws -> [Ruleset] {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw SideError("netns:\(name): not a namespace name (as `ip netns list` shows them)")
        }
        do {
            return try NetfilterSocket.withSocket(in: NetworkNamespace(name: name)) { socket in
                NFTNamespaceTables.merged(try IPTablesNFTReader.rulesets(from: socket),
                                          try NFTNamespaceTables.rulesets(connection: NetlinkConnection(socket)))
            }
        } catch let error as ReadBackError {
            throw SideError("netns:\(name): \(error)")
        } catch let error as NFTablesDecodingError {
            throw SideError("netns:\(name): \(error)")
        } catch let error as NamespaceError {
            throw SideError("netns:\(name): \(error)")
        } catch let error as NetfilterError {
            let reason = error.isPermissionDenied
                ? "the kernel refused to list nf_tables (needs CAP_NET_ADMIN; run as root)" : error.description
            throw SideError("netns:\(name): reading the rules over netlink failed: \(reason)")
        }
    }
}
