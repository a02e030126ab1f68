import ClusterState
import NetworkAddresses
import NetworkNamespaces
import Testing
@testable import NetnsLab

extension PrivilegedLabTests {
/// The first-connect timer of bench row (i): served ports time every attempt, closed ones
/// count failures and time none. ROOT TEST (skipped without).
@Suite struct SequentialConnectsTests {
    @Test func servedPortsAreTimedAndClosedOnesCountAsFailures() throws {
        let lab = try TwoHostLab()
        defer { lab.topology.teardown() }
        let (client, server) = (lab.client, lab.server)
        let servers = try LabServers([(server, [ServedPort(80, .tcp)])])
        defer { servers.stop() }

        let served = try SequentialConnects.run(from: client, to: Endpoint4(server.address, port: 80)!, count: 30)
        #expect(served.failures == 0)
        #expect(served.seconds.count == 30)
        let median = try #require(served.median)
        #expect(median > 0 && median < 0.5, "a handshake between namespaces takes well under 0.5 s (\(median))")

        let closed = try SequentialConnects.run(from: client, to: Endpoint4(server.address, port: 81)!, count: 5, timeout: 0.5)
        #expect(closed.failures == 5 && closed.seconds.isEmpty && closed.median == nil)
    }
}
}
