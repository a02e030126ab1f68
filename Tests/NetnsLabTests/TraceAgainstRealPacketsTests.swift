import Foundation
import Testing
import ClusterState
import NetnsLab
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import PacketTrace
import RuleModel
import TestSupport

extension PrivilegedLabTests {
/// The trace's predictions (issue 5) against real packets in a namespace lab: the split of
/// new connections over a Service's endpoints, and NetworkPolicy verdicts. Nested in the lab
/// suites so that no two labs share the machine at once.
@Suite struct TraceAgainstRealPacketsTests {
    /// 3,000 connections to the 3-endpoint Service of the standard Service lab fit the
    /// distribution the trace derives from the statistic rules (Pearson's chi-square at
    /// α = 0.001; a failed fit draws one more sample, as the lab's own check does).
    @Test(arguments: [KubeProtocol.tcp, .udp])
    func connectionsFollowTheTracedSplit(_ proto: KubeProtocol) throws {
        let scenario = try ServiceLabScenario.standard()
        let client = try #require(scenario.cluster.pods.first { $0.metadata.key == StandardServiceLab.client }?.podIPs.first)
        let expected = try Review.expectedDistribution(scenario.cluster, service: "default/spread",
                                                       port: proto == .tcp ? "http" : "dns", client: client)
        #expect(expected.map(\.probability) == Array(repeating: Probability(1, 3), count: 3))
        let podByAddress = Dictionary(uniqueKeysWithValues: scenario.cluster.pods.compactMap { pod in
            pod.podIPs.first.map { ($0.description, pod.metadata.name) }
        })

        let lab = try ServiceLab(scenario: scenario, installer: NetlinkInstaller())
        defer { lab.close() }
        var tests: [ChiSquareTest] = []
        for _ in 0..<2 {
            let results = try lab.connect(from: StandardServiceLab.client,
                                          to: Endpoint4(StandardServiceLab.spread, port: StandardServiceLab.servicePort(proto))!,
                                          protocol: proto, count: 3000)
            #expect(results.allSatisfy { $0.outcome.isConnected })
            // Count per traced endpoint (`IP:port`), and any other server under its own name.
            var observed: [String: Int] = [:]
            for result in results {
                guard let server = result.reply?.server else { continue }
                let key = expected.first { podByAddress[String($0.key.prefix { $0 != ":" })] == server }?.key ?? "server \(server)"
                observed[key, default: 0] += 1
            }
            let test = ChiSquareTest(observed: observed, expected: expected)
            tests.append(test)
            if test.accepts(significance: 0.001) { break }
        }
        #expect(tests.last?.accepts(significance: 0.001) == true,
                "χ² = \(tests.map(\.statistic)), p = \(tests.map(\.pValue))")
    }

    /// Every probe of the 43 NetworkPolicy cases: the trace's verdict over the compiled rules
    /// equals what real packets did in the lab.
    @Test func policyVerdictsMatchRealPackets() throws {
        let root = Self.netpolCases
        let names = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.first?.isNumber == true }.sorted()
        #expect(names.count == 43)
        let cases = try names.map { try NetpolCase.load(directory: root + "/" + $0) }
        let reports = NetpolLab(installer: NetlinkInstaller()).run(cases, jobs: 8)
        var compared = 0
        var mismatches: [String] = []
        for (netpolCase, outcome) in zip(cases, reports) {
            let report = try outcome.get()
            let tracer = Review.tracer(netpolCase.cluster, family: .ipv4)
            var sourcePort: UInt16 = 30000
            for entry in report.entries {
                guard let observed = entry.observed else { continue }
                sourcePort &+= 1
                let packet = TracePacket(source: try address(entry.line.from, netpolCase.cluster),
                                         destination: try address(entry.line.to, netpolCase.cluster),
                                         proto: L4Protocol(rawValue: entry.line.port.protocol.rawValue.lowercased())!,
                                         sourcePort: sourcePort, destinationPort: UInt16(entry.line.port.port))
                let traced = tracer.trace(packet).outcomes.allSatisfy(\.disposition.passes) ? ProbeVerdict.allow : .deny
                compared += 1
                if traced != observed { mismatches.append("\(netpolCase.name): \(entry.line.key): trace \(traced), packets \(observed)") }
            }
        }
        #expect(compared > 10_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(compared) differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    static let netpolCases = ProjectPaths.netpolCases

    private func address(_ source: ProbeSource, _ state: ClusterState) throws -> IPAddress {
        switch source {
        case .pod(let namespace, let name): return try podAddress(namespace, name, state)
        case .external(let address): return address
        }
    }

    private func address(_ target: ProbeTarget, _ state: ClusterState) throws -> IPAddress {
        switch target {
        case .pod(let namespace, let name): return try podAddress(namespace, name, state)
        case .external(let address): return address
        case .service(let namespace, let name):
            return try #require(state.services.first { $0.metadata.key == "\(namespace)/\(name)" }?.clusterIP(for: .ipv4))
        }
    }

    private func podAddress(_ namespace: String, _ name: String, _ state: ClusterState) throws -> IPAddress {
        try #require(state.pods.first { $0.metadata.key == "\(namespace)/\(name)" }?.podIPs.first)
    }
}
}
