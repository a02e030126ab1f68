import CNetfilter

/// `-m statistic --mode random --probability P` (rev 0, `struct xt_statistic_info`).
public struct XTStatistic: XTInfo {
    /// The probability as a 31-bit fraction: iptables stores `lround(P × 2^31)`.
    public var probability: UInt32
    public var inverted: Bool

    public init(probability: UInt32, inverted: Bool = false) {
        self.probability = probability
        self.inverted = inverted
    }

    static let name = "statistic"
    static let revision: UInt32 = 0

    func fill(_ info: inout xt_statistic_info) {
        info.mode = UInt16(XT_STATISTIC_MODE_RANDOM.rawValue)
        info.flags = inverted ? UInt16(XT_STATISTIC_INVERT.rawValue) : 0
        info.u.random.probability = probability
        // iptables' statistic extension always derives count = every - packet, even in random
        // mode, where `every` overlays the probability; the kernel reports it back as given.
        info.u.nth.count = probability
    }

    init?(_ info: xt_statistic_info) {
        guard info.mode == UInt16(XT_STATISTIC_MODE_RANDOM.rawValue) else { return nil }
        probability = info.u.random.probability
        inverted = info.flags & UInt16(XT_STATISTIC_INVERT.rawValue) != 0
    }
}
