import CNetfilter

/// `-m addrtype [!] --src-type|--dst-type TYPES` (rev 1, `struct xt_addrtype_info_v1`).
public struct XTAddrType: XTInfo {
    /// Bit masks of route types (`1 << RTN_*`); 0 = not tested.
    public var sourceTypes: UInt16
    public var destinationTypes: UInt16
    public var invertSource: Bool
    public var invertDestination: Bool

    /// `1 << RTN_LOCAL`.
    public static let local = UInt16(XT_ADDRTYPE_LOCAL)

    public init(sourceTypes: UInt16 = 0, destinationTypes: UInt16 = 0, invertSource: Bool = false,
                invertDestination: Bool = false) {
        self.sourceTypes = sourceTypes
        self.destinationTypes = destinationTypes
        self.invertSource = invertSource
        self.invertDestination = invertDestination
    }

    static let name = "addrtype"
    static let revision: UInt32 = 1

    func fill(_ info: inout xt_addrtype_info_v1) {
        info.source = sourceTypes
        info.dest = destinationTypes
        info.flags = (invertSource ? UInt32(XT_ADDRTYPE_INVERT_SOURCE) : 0)
            | (invertDestination ? UInt32(XT_ADDRTYPE_INVERT_DEST) : 0)
    }

    init?(_ info: xt_addrtype_info_v1) {
        let known = UInt32(XT_ADDRTYPE_INVERT_SOURCE) | UInt32(XT_ADDRTYPE_INVERT_DEST)
        guard info.flags & ~known == 0 else { return nil }
        sourceTypes = info.source
        destinationTypes = info.dest
        invertSource = info.flags & UInt32(XT_ADDRTYPE_INVERT_SOURCE) != 0
        invertDestination = info.flags & UInt32(XT_ADDRTYPE_INVERT_DEST) != 0
    }
}
