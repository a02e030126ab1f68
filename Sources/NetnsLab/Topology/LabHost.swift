import NetworkAddresses
import NetworkNamespaces

/// What a lab host should be: a pod or an external machine with one IPv4 address.
public struct LabHostSpec: Sendable, Hashable {
    /// How probes and reports name it: `ns/pod`, `ip:A.B.C.D`, or any label.
    public var name: String
    public var address: IPAddress

    public init(name: String, address: IPAddress) {
        self.name = name
        self.address = address
    }
}

/// A host namespace joined to the node namespace by a veth pair.
public struct LabHost: Sendable, Hashable {
    public let name: String
    public let address: IPAddress
    public let namespace: NetworkNamespace
    /// Position in the topology; names the node-side veth (`h<index>`).
    public let index: Int

    /// The address as a raw IPv4 value (the lab is IPv4-only).
    var address4: UInt32 {
        if case .v4(let value) = address { return value }
        preconditionFailure("lab hosts are IPv4")
    }
}
