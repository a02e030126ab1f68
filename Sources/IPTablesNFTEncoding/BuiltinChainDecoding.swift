import IPTablesText
import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Base chains read back: iptables-nft's built-in chains, named after their hook, of chain
/// type `nat` in the nat table and `filter` elsewhere (the inverse of
/// `IPTablesNFTLayout.baseChain`).
enum BuiltinChainDecoding {
    /// The attachment of a chain as the kernel holds it; nil for a regular chain.
    static func attachment(_ chain: ChainInfo, table: String, family: IPFamily) throws(RuleDecodingError) -> BaseChainAttachment? {
        let name = chain.name.description
        func problem(_ message: String) -> RuleDecodingError {
            RuleDecodingError(family: family, table: table, chain: name, message: message)
        }
        guard let base = chain.base else {
            if BuiltinChains.attachment(table: table, chain: name) != nil {
                throw problem("a regular chain with the name of a built-in chain (it has no hook)")
            }
            return nil
        }
        let hook = Hook(base.hook)
        guard name == hook.rawValue, BuiltinChains.hooks(of: table).contains(hook) else {
            throw problem("a base chain at hook \(hook.rawValue.lowercased()) that is not one of iptables' built-in chains of table \(table)")
        }
        let type = table == "nat" ? "nat" : "filter"
        guard base.type == type else {
            throw problem("a built-in chain of type \(base.type); iptables-nft makes it type \(type)")
        }
        // The kernel's priority, not the usual one: a different one orders the chain
        // differently against other tables, so it is kept to show up as a difference.
        return BaseChainAttachment(hook: hook, priority: base.priority, policyAccepts: base.policyAccepts)
    }

    /// The built-in chains of `table` the kernel does not have, as iptables-save shows them:
    /// empty, policy ACCEPT. iptables-nft creates base chains only when they are used, and a
    /// missing one lets every packet pass exactly as an empty accepting one does.
    static func missing(from chains: [Chain], table: String) -> [Chain] {
        let present = Set(chains.compactMap { $0.attachment?.hook })
        return BuiltinChains.hooks(of: table).filter { !present.contains($0) }.map { BuiltinChains.emptyChain(table: table, hook: $0) }
    }
}

extension Hook {
    init(_ hook: BaseChainSpec.Hook) {
        switch hook {
        case .prerouting: self = .prerouting
        case .input: self = .input
        case .forward: self = .forward
        case .output: self = .output
        case .postrouting: self = .postrouting
        }
    }
}
