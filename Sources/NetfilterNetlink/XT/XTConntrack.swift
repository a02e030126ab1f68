import CNetfilter

/// `-m conntrack [!] --ctstate STATES` (rev 3, `struct xt_conntrack_mtinfo3`): only the state
/// test is modelled.
public struct XTConntrack: XTInfo {
    /// `XT_CONNTRACK_STATE_*` bits.
    public var stateMask: UInt16
    public var inverted: Bool

    public enum StateBit {
        // The header's XT_CONNTRACK_STATE_BIT(ctinfo) is 1 << (ctinfo + 1); the special states
        // follow IP_CT_NUMBER (5).
        public static let invalid: UInt16 = 1 << 0
        public static let established: UInt16 = 1 << 1
        public static let related: UInt16 = 1 << 2
        public static let new: UInt16 = 1 << 3
        public static let snat: UInt16 = 1 << 6
        public static let dnat: UInt16 = 1 << 7
        public static let untracked: UInt16 = 1 << 8
    }

    public init(stateMask: UInt16, inverted: Bool = false) {
        self.stateMask = stateMask
        self.inverted = inverted
    }

    static let name = "conntrack"
    static let revision: UInt32 = 3

    func fill(_ info: inout xt_conntrack_mtinfo3) {
        info.match_flags = UInt16(XT_CONNTRACK_STATE)
        info.invert_flags = inverted ? UInt16(XT_CONNTRACK_STATE) : 0
        info.state_mask = stateMask
    }

    init?(_ info: xt_conntrack_mtinfo3) {
        guard info.match_flags == UInt16(XT_CONNTRACK_STATE) else { return nil }
        stateMask = info.state_mask
        inverted = info.invert_flags & UInt16(XT_CONNTRACK_STATE) != 0
    }
}
