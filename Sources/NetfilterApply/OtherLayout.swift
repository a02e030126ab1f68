import NetworkNamespaces

// A namespace runs one of PacketPath's layouts at a time, as kube-proxy cleans up the other
// proxy mode's rules when it starts: two layouts would both try to DNAT a Service's first
// packet (the first nat chain to run wins) and both filter. After an apply of one layout has
// committed, PacketPath's rules of the other layout are removed in a second batch; until then
// the old layout still serves, so no packet meets a namespace without either.

extension NetfilterApplier {
    /// Removes PacketPath's nftables-layout tables, if any (after an iptables-layout apply).
    public func removeOtherLayout(in namespace: NetworkNamespace) throws -> ApplyReport {
        try NFTablesApplier(options: ApplyOptions(host: options.host)).reset(namespace)
    }
}

extension NFTablesApplier {
    /// Removes PacketPath's iptables-layout chains and rules, if any (after an nftables-layout apply).
    public func removeOtherLayout(in namespace: NetworkNamespace) throws -> ApplyReport {
        try NetfilterApplier(options: ApplyOptions(host: options.host)).reset(namespace)
    }
}
