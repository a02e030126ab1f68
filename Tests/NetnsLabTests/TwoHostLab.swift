import NetworkAddresses
import NetworkNamespaces
@testable import NetnsLab

/// The probe tests' lab: a client (10.244.1.10) and a server (10.244.2.10) on either side of
/// the node namespace. The caller tears the topology down.
struct TwoHostLab {
    let topology: LabTopology
    let client: LabHost
    let server: LabHost

    init() throws {
        topology = try LabTopology(hosts: [
            LabHostSpec(name: "client", address: IPAddress("10.244.1.10")!),
            LabHostSpec(name: "server", address: IPAddress("10.244.2.10")!),
        ])
        guard let client = topology.host(named: "client"), let server = topology.host(named: "server") else {
            topology.teardown()
            throw NamespaceError("the lab topology lost its hosts")
        }
        self.client = client
        self.server = server
    }
}
