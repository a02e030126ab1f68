import ClusterState
import NetworkAddresses
import NetworkNamespaces
import Testing
@testable import NetnsLab

extension PrivilegedLabTests {
@Suite struct ProbeTests {
    @Test func tcpUdpAndSctpConnectAndClosedPortsDoNot() throws {
        let lab = try TwoHostLab()
        defer { lab.topology.teardown() }
        let (client, server) = (lab.client, lab.server)
        let servers = try LabServers([(server, [ServedPort(80, .tcp), ServedPort(80, .udp), ServedPort(80, .sctp)])])
        defer { servers.stop() }

        let target = { (port: Int) in Endpoint4(server.address, port: port)! }
        let requests = KubeProtocol.allCases.flatMap { proto in
            [ProbeRequest(from: client, to: target(80), protocol: proto, readsReply: true),
             ProbeRequest(from: client, to: target(81), protocol: proto, readsReply: true)]
        }
        let results = try ProbeRunner(options: ProbeOptions(timeout: 0.5)).run(requests)
        let outcomes = results.map { "\($0.request.protocol.rawValue) \($0.request.to.port) \($0.outcome)" }
        #expect(outcomes == [
            "TCP 80 connected", "TCP 81 refused",
            "UDP 80 connected", "UDP 81 refused",
            "SCTP 80 connected", "SCTP 81 timed out",
        ])
        for result in results where result.request.protocol != .sctp && result.outcome.isConnected {
            #expect(result.reply?.server == "server")
            #expect(result.reply?.sawPeer == Endpoint4(client.address, port: Int(result.sourcePort)))
        }
        #expect(Set(results.map(\.sourcePort)).count == results.count)
    }
}
}

extension PrivilegedLabTests.ProbeTests {
    /// An SCTP association driven over raw sockets through a forwarding node reaches
    /// ESTABLISHED in the node's conntrack, even with INVALID packets dropped: the checksums
    /// and verification tags are right.
    @Test func sctpThroughTheNodeIsEstablishedInConntrack() throws {
        let lab = try TwoHostLab()
        let (topology, client, server) = (lab.topology, lab.client, lab.server)
        defer { topology.teardown() }
        try RestoreTextInstaller("""
            *filter
            -A FORWARD -m conntrack --ctstate INVALID -j DROP
            -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
            -A FORWARD -p sctp --dport 80 -j ACCEPT
            -A FORWARD -j DROP
            COMMIT

            """).install(ClusterState(), into: topology.node.namespace)
        let servers = try LabServers([(server, [ServedPort(80, .sctp), ServedPort(81, .sctp)])])
        defer { servers.stop() }
        let results = try ProbeRunner(options: ProbeOptions(timeout: 0.5)).run([80, 81].map {
            ProbeRequest(from: client, to: Endpoint4(server.address, port: $0)!, protocol: .sctp)
        })
        #expect(results.map(\.outcome) == [.connected, .timedOut])
        let entries = try Conntrack.list(in: topology.node.namespace).filter { $0.hasPrefix("sctp") }
        #expect(entries.count == 1)
        #expect(entries.first?.contains("ESTABLISHED") == true)
        #expect(entries.first?.contains("dport=80") == true)
    }
}
