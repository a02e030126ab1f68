import NetfilterNetlink

/// What an apply did.
public struct ApplyReport: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// One batch was committed.
        case applied
        /// Nothing was sent: the generation had not moved since PacketPath's last commit and
        /// that commit carried the same fingerprint.
        case unchangedSinceLastApply
        /// Nothing was sent: reading the kernel back showed exactly the desired state.
        case unchangedAfterReadBack
        /// Nothing was sent: the changes were only planned (`ApplyOptions.dryRun`).
        case dryRun
        /// `reset` found nothing of PacketPath's.
        case nothingOwned
    }

    public var outcome: Outcome
    /// Messages and bytes in the committed batch (0 when nothing was sent).
    public var messages: Int
    /// Transactions committed (or planned, for a dry run): more than one when a large
    /// nftables state was staged (`NFTablesStaging`).
    public var transactions: Int = 1
    public var bytes: Int
    public var chainsCreated: Int
    public var chainsDeleted: Int
    public var rulesWritten: Int
    public var rulesDeleted: Int
    /// Operations per kind in the transaction (committed, or only printed for a dry run).
    public var operations: [KernelOperation.Kind: Int]
    /// For a dry run: the change set as `iptables-restore --noflush` input.
    public var dryRunText: String?
    /// Tables of the legacy iptables backend found in the namespace (see `legacyWarning`).
    public var legacyTables: [LegacyIPTable] = []

    public init(outcome: Outcome, messages: Int = 0, bytes: Int = 0, chainsCreated: Int = 0, chainsDeleted: Int = 0,
                rulesWritten: Int = 0, rulesDeleted: Int = 0, operations: [KernelOperation.Kind: Int] = [:],
                dryRunText: String? = nil) {
        self.outcome = outcome
        self.messages = messages
        self.bytes = bytes
        self.chainsCreated = chainsCreated
        self.chainsDeleted = chainsDeleted
        self.rulesWritten = rulesWritten
        self.rulesDeleted = rulesDeleted
        self.operations = operations
        self.dryRunText = dryRunText
    }

    public var changedAnything: Bool { outcome == .applied }

    /// Said when `iptables-legacy` rules are in the namespace: packets pass them as well as
    /// the rules PacketPath writes, and neither netlink nor PacketPath sees or manages them.
    public var legacyWarning: String? {
        let holding = legacyTables.filter(\.holdsRules)
        guard !holding.isEmpty else { return nil }
        return "iptables-legacy rules are in the namespace (" + holding.map(\.description).joined(separator: ", ")
            + "): packets pass through them too, and PacketPath neither sees nor changes them (iptables-legacy-save lists them)"
    }
}
