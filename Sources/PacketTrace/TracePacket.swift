import NetworkAddresses
import RuleModel

/// The first packet of a new connection, as the tracer follows it.
public struct TracePacket: Sendable, Hashable, CustomStringConvertible {
    public var source: IPAddress
    public var destination: IPAddress
    public var proto: L4Protocol
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// The packet mark (`-m mark`, `-j MARK`).
    public var mark: UInt32 = 0
    /// The interface it arrives on (`-i`) and the one routing sends it out of (`-o`); nil when
    /// not known, which makes a trace follow both ways at every interface match.
    public var inInterface: String?
    public var outInterface: String?

    public init(source: IPAddress, destination: IPAddress, proto: L4Protocol, sourcePort: UInt16 = 40000,
                destinationPort: UInt16, mark: UInt32 = 0) {
        self.source = source
        self.destination = destination
        self.proto = proto
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.mark = mark
    }

    public var description: String {
        let interfaces = [inInterface.map { "in " + $0 }, outInterface.map { "out " + $0 }].compactMap { $0 }
        return "\(proto.rawValue) \(TracePacket.endpoint(source, sourcePort)) -> \(TracePacket.endpoint(destination, destinationPort))"
            + (interfaces.isEmpty ? "" : " (\(interfaces.joined(separator: ", ")))")
    }

    /// `IP:port`, `[IPv6]:port`.
    public static func endpoint(_ address: IPAddress, _ port: UInt16?) -> String {
        guard let port else { return address.description }
        return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
