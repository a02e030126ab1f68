extension Table {
    /// Puts chains in the order iptables-save style dumps use: base chains first (by hook),
    /// then `leading` chains in the given order, then chains starting with `groupPrefix` in
    /// byte order, then all others in byte order. Rules inside chains keep their order.
    public mutating func sortChains(leading: [ChainName], groupPrefix: String) {
        let hookOrder = Hook.allCases
        let prefixBytes = Array(groupPrefix.utf8)
        func rank(_ chain: Chain) -> (Int, Int) {
            if let attachment = chain.attachment { return (0, hookOrder.firstIndex(of: attachment.hook)!) }
            if let position = leading.firstIndex(of: chain.name) { return (1, position) }
            return (chain.name.utf8.starts(with: prefixBytes) ? 2 : 3, 0)
        }
        let ranks = chains.map(rank)
        let order = chains.indices.sorted { lhs, rhs in
            if ranks[lhs] != ranks[rhs] { return ranks[lhs] < ranks[rhs] }
            return chains[lhs].name < chains[rhs].name
        }
        chains = order.map { chains[$0] }
    }
}
