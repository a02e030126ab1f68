import NetfilterNetlink

/// What one process keeps between its applies (`apply --watch`): the generation PacketPath's
/// last commit produced and the chain-digest record it left per family. While the kernel's
/// generation is still that one, nobody else has committed, so the record is known without
/// dumping its 110,000 elements (at 10,000 Services) from the kernel again.
///
/// Applies using one memory must not run concurrently.
public final class ApplyMemory: @unchecked Sendable {
    struct Committed {
        let generation: UInt32
        /// Per family, the digest record the commit left (a family missing has none).
        let digests: [NetfilterFamily: [ChainDigests.Key: UInt64]]
    }

    var committed: Committed?

    public init() {}

    /// Whether the kernel's digest record is known without reading it.
    public var knowsKernelRecord: Bool { committed != nil }

    /// The digest record, when `generation` proves nothing was committed since PacketPath did.
    func recordedDigests(_ family: NetfilterFamily, generation: UInt32) -> [ChainDigests.Key: UInt64]?? {
        guard let committed, committed.generation == generation else { return nil }
        return .some(committed.digests[family])
    }
}
