import NetfilterNetlink

/// What one process keeps between its applies (`apply --watch`): the generation PacketPath's
/// last commit produced and, for the iptables layout, the chain-digest record it left per
/// family; for the nftables layout, the tables it wrote (`NFTablesRemembered`). While the
/// kernel's generation is still that one, nobody else has committed, so these are known
/// without dumping them (110,000 elements or chains at 10,000 Services) from the kernel again.
///
/// Applies using one memory must not run concurrently.
public final class ApplyMemory: @unchecked Sendable {
    struct Committed {
        let generation: UInt32
        /// Per family, the digest record the commit left (a family missing has none).
        let digests: [NetfilterFamily: [ChainDigests.Key: UInt64]]
    }

    var committed: Committed?
    /// The nftables layout's tables after PacketPath's last commit of them.
    var nftables: NFTablesRemembered?

    public init() {}

    /// Whether the kernel's digest record is known without reading it.
    public var knowsKernelRecord: Bool { committed != nil }

    /// Whether the nftables layout's tables are known without reading them.
    public var knowsNFTablesTables: Bool { nftables != nil }

    /// The remembered nftables tables, when `generation` proves nothing was committed since.
    func nftablesTables(at generation: UInt32) -> NFTablesRemembered? {
        guard let nftables, nftables.generation == generation else { return nil }
        return nftables
    }

    /// The digest record, when `generation` proves nothing was committed since PacketPath did.
    func recordedDigests(_ family: NetfilterFamily, generation: UInt32) -> [ChainDigests.Key: UInt64]?? {
        guard let committed, committed.generation == generation else { return nil }
        return .some(committed.digests[family])
    }
}
