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
    }

    public var outcome: Outcome
    /// Messages and bytes in the committed batch (0 when nothing was sent).
    public var messages: Int
    public var bytes: Int
    public var chainsCreated: Int
    public var chainsDeleted: Int
    public var rulesWritten: Int

    public init(outcome: Outcome, messages: Int = 0, bytes: Int = 0, chainsCreated: Int = 0, chainsDeleted: Int = 0,
                rulesWritten: Int = 0) {
        self.outcome = outcome
        self.messages = messages
        self.bytes = bytes
        self.chainsCreated = chainsCreated
        self.chainsDeleted = chainsDeleted
        self.rulesWritten = rulesWritten
    }

    public var changedAnything: Bool { outcome == .applied }
}
