import CNetfilter

/// `-m sctp [--sport P] [--dport P]` (rev 0, `struct xt_sctp_info`). iptables-nft 1.8.9 has no
/// native form for it. Chunk matching is not modelled.
public struct XTSCTP: XTInfo {
    public var sourcePorts: ClosedRange<UInt16>?
    public var destinationPorts: ClosedRange<UInt16>?
    public var invertSource: Bool
    public var invertDestination: Bool

    public init(sourcePorts: ClosedRange<UInt16>? = nil, destinationPorts: ClosedRange<UInt16>? = nil,
                invertSource: Bool = false, invertDestination: Bool = false) {
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
        self.invertSource = invertSource
        self.invertDestination = invertDestination
    }

    static let name = "sctp"
    static let revision: UInt32 = 0

    func fill(_ info: inout xt_sctp_info) {
        var flags: UInt32 = 0
        var inverted: UInt32 = 0
        if let sourcePorts {
            info.spts = (sourcePorts.lowerBound, sourcePorts.upperBound)
            flags |= UInt32(XT_SCTP_SRC_PORTS)
            if invertSource { inverted |= UInt32(XT_SCTP_SRC_PORTS) }
        }
        if let destinationPorts {
            info.dpts = (destinationPorts.lowerBound, destinationPorts.upperBound)
            flags |= UInt32(XT_SCTP_DEST_PORTS)
            if invertDestination { inverted |= UInt32(XT_SCTP_DEST_PORTS) }
        }
        info.flags = flags
        info.invflags = inverted
        // iptables' sctp extension marks every chunk-flag slot unused (chunk type 0xff).
        withUnsafeMutableBytes(of: &info.flag_info) { raw in
            let stride = MemoryLayout<xt_sctp_flag_info>.stride
            for slot in 0..<(raw.count / stride) { raw[slot * stride] = 0xff }
        }
    }

    init?(_ info: xt_sctp_info) {
        guard info.chunk_match_type == 0, info.flag_count == 0 else { return nil }
        let sourceSet = info.flags & UInt32(XT_SCTP_SRC_PORTS) != 0
        let destinationSet = info.flags & UInt32(XT_SCTP_DEST_PORTS) != 0
        sourcePorts = sourceSet ? min(info.spts.0, info.spts.1)...max(info.spts.0, info.spts.1) : nil
        destinationPorts = destinationSet ? min(info.dpts.0, info.dpts.1)...max(info.dpts.0, info.dpts.1) : nil
        invertSource = info.invflags & UInt32(XT_SCTP_SRC_PORTS) != 0
        invertDestination = info.invflags & UInt32(XT_SCTP_DEST_PORTS) != 0
    }
}
