import CNetfilter

/// `-j MARK --set-xmark VALUE/MASK` (rev 2, `struct xt_mark_tginfo2`): mark = (mark & ~MASK) ^ VALUE.
/// `--or-mark V` is V/V and `--xor-mark V` is V/0.
public struct XTMark: XTInfo {
    public var value: UInt32
    public var mask: UInt32

    public init(value: UInt32, mask: UInt32) {
        self.value = value
        self.mask = mask
    }

    static let name = "MARK"
    static let revision: UInt32 = 2

    func fill(_ info: inout xt_mark_tginfo2) {
        info.mark = value
        info.mask = mask
    }

    init?(_ info: xt_mark_tginfo2) {
        value = info.mark
        mask = info.mask
    }
}
