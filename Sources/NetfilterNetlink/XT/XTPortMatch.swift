import CNetfilter

/// `-m tcp` / `-m udp` (rev 0) with port ranges. iptables-nft writes these as xt matches only
/// when no port is restricted (a bare `-m tcp`); restricted ports become native payload
/// expressions.
public struct XTPortMatch: Hashable, Sendable {
    public var sourcePorts: ClosedRange<UInt16>
    public var destinationPorts: ClosedRange<UInt16>
    public var invertSource: Bool
    public var invertDestination: Bool

    public static let allPorts: ClosedRange<UInt16> = 0...UInt16.max

    public init(sourcePorts: ClosedRange<UInt16> = allPorts, destinationPorts: ClosedRange<UInt16> = allPorts,
                invertSource: Bool = false, invertDestination: Bool = false) {
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
        self.invertSource = invertSource
        self.invertDestination = invertDestination
    }

    var invertFlags: UInt8 {
        (invertSource ? UInt8(XT_TCP_INV_SRCPT) : 0) | (invertDestination ? UInt8(XT_TCP_INV_DSTPT) : 0)
    }

    init(source: (UInt16, UInt16), destination: (UInt16, UInt16), invertFlags: UInt8) {
        sourcePorts = min(source.0, source.1)...max(source.0, source.1)
        destinationPorts = min(destination.0, destination.1)...max(destination.0, destination.1)
        invertSource = invertFlags & UInt8(XT_TCP_INV_SRCPT) != 0
        invertDestination = invertFlags & UInt8(XT_TCP_INV_DSTPT) != 0
    }
}

/// The tcp match's info (`struct xt_tcp`); no flag or option tests.
public struct XTTCP: XTInfo {
    public var ports: XTPortMatch

    public init(_ ports: XTPortMatch = XTPortMatch()) {
        self.ports = ports
    }

    static let name = "tcp"
    static let revision: UInt32 = 0

    func fill(_ info: inout xt_tcp) {
        info.spts = (ports.sourcePorts.lowerBound, ports.sourcePorts.upperBound)
        info.dpts = (ports.destinationPorts.lowerBound, ports.destinationPorts.upperBound)
        info.invflags = ports.invertFlags
    }

    init?(_ info: xt_tcp) {
        guard info.option == 0, info.flg_mask == 0, info.flg_cmp == 0 else { return nil }
        ports = XTPortMatch(source: info.spts, destination: info.dpts, invertFlags: info.invflags)
    }
}

/// The udp match's info (`struct xt_udp`).
public struct XTUDP: XTInfo {
    public var ports: XTPortMatch

    public init(_ ports: XTPortMatch = XTPortMatch()) {
        self.ports = ports
    }

    static let name = "udp"
    static let revision: UInt32 = 0

    func fill(_ info: inout xt_udp) {
        info.spts = (ports.sourcePorts.lowerBound, ports.sourcePorts.upperBound)
        info.dpts = (ports.destinationPorts.lowerBound, ports.destinationPorts.upperBound)
        info.invflags = ports.invertFlags
    }

    init?(_ info: xt_udp) {
        ports = XTPortMatch(source: info.spts, destination: info.dpts, invertFlags: info.invflags)
    }
}
