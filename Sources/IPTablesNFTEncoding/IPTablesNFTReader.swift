import NetfilterNetlink
import NetworkAddresses
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// Reads the iptables-nft tables (`ip`/`ip6` `filter` and `nat`) of the namespace a socket
/// was opened in, over netlink, into rulesets: what a live iptables-save/ip6tables-save dump
/// parses to, without running them.
///
/// Other tables (mangle, raw, nft-native tables, PacketPath's own state table) are not read:
/// PacketPath writes and compares only these two.
public enum IPTablesNFTReader {
    public static let tables = ["filter", "nat"]
    static let attempts = 3

    /// One ruleset per family that has at least one of the tables, IPv4 first.
    public static func rulesets(from socket: NetfilterSocket) throws -> [Ruleset] {
        for _ in 0..<attempts {
            // Chains are listed one by one; the generation tells whether anything committed
            // in between, in which case the result may mix two states and is read again.
            // Rules are decoded as their chain arrives, so the raw expressions of a large
            // ruleset are never all held at once.
            let before = try socket.generation()
            var problems: [RuleDecodingError] = []
            var rulesets: [Ruleset] = []
            do {
                for family in IPFamily.allCases {
                    let tables = try read(socket, family: family, problems: &problems)
                    if !tables.isEmpty { rulesets.append(Ruleset(family: family, tables: tables)) }
                }
            } catch NetfilterError.request(_, let code) where code == ENOENT {
                continue // a chain or table went away mid-read
            }
            guard try socket.generation() == before else { continue }
            guard problems.isEmpty else { throw ReadBackError.undecodable(problems) }
            return rulesets
        }
        throw ReadBackError.keptChanging(attempts: attempts)
    }

    /// The family's filter and nat tables that exist, in iptables-save's order, decoded.
    static func read(_ socket: NetfilterSocket, family: IPFamily, problems: inout [RuleDecodingError]) throws -> [Table] {
        let netfilterFamily = NetfilterFamily(family)
        let decoder = IPTablesNFTDecoder(family: family)
        let present = Set(try socket.tables(family: netfilterFamily).map(\.name.description))
        return try tables.filter(present.contains).map { name in
            let infos = try socket.chains(family: netfilterFamily, table: ObjectName(name)).sorted(by: IPTablesNFTDecoder.saveOrder)
            var chains: [Chain] = []
            chains.reserveCapacity(infos.count)
            for info in infos {
                let rules = try socket.rules(family: netfilterFamily, table: info.table, chain: info.name)
                if let chain = decoder.decode(chain: info, rules: rules, table: name, problems: &problems) {
                    chains.append(chain)
                }
            }
            return decoder.table(name, chains: chains)
        }
    }
}
