import NetfilterNetlink
import RuleModel

/// What one process keeps between its applies (`apply --watch`): the generation PacketPath's
/// last commit produced and, for the iptables layout, the typed ruleset it applied per family
/// with its chain digests (which are the digest record it left in the kernel); for the
/// nftables layout, the tables it wrote (`NFTablesRemembered`). While the kernel's generation
/// is still that one, nobody else has committed, so these are known without dumping them
/// (110,000 elements or chains at 10,000 Services) from the kernel again, and the next change
/// is found by comparing typed chains (`RememberedPlan`, `NFTablesTypedChange`).
///
/// Applies using one memory must not run concurrently.
public final class ApplyMemory: @unchecked Sendable {
    /// One family as PacketPath's last commit left it.
    struct AppliedFamily {
        let ruleset: Ruleset
        let fingerprint: Fingerprint.Result

        /// The digest record the commit left: the digest of every regular chain.
        func digestRecord() -> [ChainDigests.Key: UInt64] {
            var digests: [ChainDigests.Key: UInt64] = [:]
            for (table, tableDigests) in zip(ruleset.tables, fingerprint.chainDigests) {
                let name = ObjectName(table.name)
                digests.reserveCapacity(digests.count + table.chains.count)
                for (chain, digest) in zip(table.chains, tableDigests) where chain.attachment == nil {
                    digests[ChainDigests.Key(table: name, chain: ObjectName(chain.name))] = digest
                }
            }
            return digests
        }
    }

    struct Committed {
        let generation: UInt32
        /// Per family applied (a family missing has no digest record).
        let families: [NetfilterFamily: AppliedFamily]
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

    /// The families applied, when `generation` proves nothing was committed since PacketPath did.
    func appliedFamilies(at generation: UInt32) -> [NetfilterFamily: AppliedFamily]? {
        guard let committed, committed.generation == generation else { return nil }
        return committed.families
    }

    /// The digest record, when `generation` proves nothing was committed since PacketPath did.
    func recordedDigests(_ family: NetfilterFamily, generation: UInt32) -> [ChainDigests.Key: UInt64]?? {
        guard let families = appliedFamilies(at: generation) else { return nil }
        return .some(families[family]?.digestRecord())
    }
}
