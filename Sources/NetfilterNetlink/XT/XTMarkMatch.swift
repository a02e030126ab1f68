import CNetfilter

/// `-m mark [!] --mark VALUE[/MASK]` as an xt match (rev 1, `struct xt_mark_mtinfo1`):
/// `(mark & MASK) == VALUE`. iptables-nft 1.8.9 writes mark tests natively (`meta mark`), so
/// PacketPath never sends this; it is read back from rules other iptables builds wrote.
public struct XTMarkMatch: XTInfo {
    public var value: UInt32
    public var mask: UInt32
    public var inverted: Bool

    public init(value: UInt32, mask: UInt32 = .max, inverted: Bool = false) {
        self.value = value
        self.mask = mask
        self.inverted = inverted
    }

    static let name = "mark"
    static let revision: UInt32 = 1

    func fill(_ info: inout xt_mark_mtinfo1) {
        info.mark = value
        info.mask = mask
        info.invert = inverted ? 1 : 0
    }

    init?(_ info: xt_mark_mtinfo1) {
        guard info.invert <= 1 else { return nil }
        value = info.mark
        mask = info.mask
        inverted = info.invert != 0
    }
}
