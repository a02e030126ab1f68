import ClusterState
import NetworkAddresses

/// One property of the Service rules, shown with real connections.
public struct ServiceCheck: Sendable, CustomStringConvertible {
    public var name: String
    public var passed: Bool
    /// What was observed (counts, addresses, timings), for humans.
    public var details: [String]

    public var description: String {
        "\(passed ? "PASS" : "FAIL") \(name)" + details.map { "\n    \($0)" }.joined()
    }
}

/// The checks of issue 3 item 4 on the standard scenario (`ServiceLabScenario.standard()`).
/// Each opens fresh connections and judges only what the servers answered.
public enum ServiceLabChecks {
    public typealias Names = StandardServiceLab

    /// Every check, for TCP and UDP.
    public static func all(_ lab: ServiceLab, spreadConnections: Int = 3000) throws -> [ServiceCheck] {
        var checks: [ServiceCheck] = []
        for proto in [KubeProtocol.tcp, .udp] {
            checks.append(try clusterIPSpread(lab, proto, connections: spreadConnections))
            checks.append(try noEndpointsRefused(lab, proto))
            checks.append(try sessionAffinity(lab, proto))
            checks.append(try externalMasqueraded(lab, proto, viaLoadBalancer: false))
            checks.append(try externalMasqueraded(lab, proto, viaLoadBalancer: true))
            checks.append(try externalTrafficPolicyLocal(lab, proto, viaLoadBalancer: false))
            checks.append(try externalTrafficPolicyLocal(lab, proto, viaLoadBalancer: true))
            checks.append(try hairpin(lab, proto))
        }
        return checks
    }

    /// A ClusterIP reaches every endpoint and nothing else, and the spread fits kube-proxy's
    /// probabilities: rule i of n jumps with 1/(n−i), so every endpoint gets 1/n.
    ///
    /// A correct rule set fails the test at α = 0.001 once in a thousand samples, so a failed
    /// fit draws one more independent sample and the check fails only if that fails too:
    /// a false failure then happens once in a million runs, while a real bias (one endpoint
    /// at 40 % gives χ² ≈ 60) fails both.
    public static func clusterIPSpread(_ lab: ServiceLab, _ proto: KubeProtocol, connections: Int) throws -> ServiceCheck {
        let (first, onlyFitFailed) = try spreadSample(lab, proto, connections: connections)
        guard onlyFitFailed else { return first }
        let (second, _) = try spreadSample(lab, proto, connections: connections)
        return ServiceCheck(name: second.name, passed: second.passed,
                            details: ["first sample: " + first.details[0] + "; " + first.details[1], "second sample:"] + second.details)
    }

    /// One sample; also says whether the chi-square fit was the only thing that failed.
    private static func spreadSample(_ lab: ServiceLab, _ proto: KubeProtocol,
                                     connections: Int) throws -> (ServiceCheck, onlyFitFailed: Bool) {
        let results = try lab.connect(from: Names.client, to: endpoint(Names.spread, Names.servicePort(proto)),
                                      protocol: proto, count: connections)
        let counts = Names.spreadBackends.map { name in results.filter { $0.reply?.server == name }.count }
        let fit = ChiSquare.test(observed: counts,
                                 probabilities: Array(repeating: 1.0 / Double(counts.count), count: counts.count))
        let others = Set(results.compactMap(\.reply?.server)).subtracting(Names.spreadBackends)
        let failures = results.filter { !$0.outcome.isConnected }.count
        let reachedExactly = failures == 0 && others.isEmpty && counts.allSatisfy { $0 > 0 }
        let check = ServiceCheck(
            name: "\(proto.rawValue) ClusterIP \(Names.spread) spreads \(connections) connections over \(Names.spreadBackends.joined(separator: ", "))",
            passed: reachedExactly && fit.fits,
            details: ["per endpoint: " + zip(Names.spreadBackends, counts).map { "\($0)=\($1)" }.joined(separator: " "),
                      "\(fit)", "not connected: \(failures), other servers: \(others.sorted())"])
        return (check, reachedExactly && !fit.fits)
    }

    /// A Service without endpoints is refused at once (REJECT → ICMP port unreachable →
    /// ECONNREFUSED), not left to time out.
    public static func noEndpointsRefused(_ lab: ServiceLab, _ proto: KubeProtocol) throws -> ServiceCheck {
        let results = try lab.connect(from: Names.client, to: endpoint(Names.empty, Names.servicePort(proto)),
                                      protocol: proto, count: 5)
        let slowest = results.map(\.seconds).max() ?? 0
        return ServiceCheck(
            name: "\(proto.rawValue) ClusterIP \(Names.empty) without endpoints is refused immediately",
            passed: results.allSatisfy { $0.outcome == .refused } && slowest < 0.25,
            details: ["outcomes: \(Set(results.map { "\($0.outcome)" }).sorted()), slowest \(milliseconds(slowest)) ms"])
    }

    /// sessionAffinity ClientIP: after a first connection, every new one from the same client
    /// lands on the same endpoint.
    public static func sessionAffinity(_ lab: ServiceLab, _ proto: KubeProtocol, connections: Int = 200) throws -> ServiceCheck {
        let target = endpoint(Names.sticky, Names.servicePort(proto))
        let first = try lab.connect(from: Names.client, to: target, protocol: proto)[0]
        let rest = try lab.connect(from: Names.client, to: target, protocol: proto, count: connections)
        let servers = Set(rest.compactMap(\.reply?.server))
        return ServiceCheck(
            name: "\(proto.rawValue) ClusterIP \(Names.sticky) with ClientIP affinity keeps the client on one endpoint",
            passed: first.reply != nil && rest.allSatisfy(\.outcome.isConnected) && servers == [first.reply!.server],
            details: ["first: \(first.reply?.server ?? "\(first.outcome)"), then \(connections) connections reached \(servers.sorted())"])
    }

    /// NodePort (node address) or LoadBalancer IP from the external client, ETP Cluster: it
    /// works and the backend sees the node's address, not the client's.
    public static func externalMasqueraded(_ lab: ServiceLab, _ proto: KubeProtocol, viaLoadBalancer: Bool,
                                           connections: Int = 60) throws -> ServiceCheck {
        let target = viaLoadBalancer ? endpoint(Names.publicLoadBalancer, Names.servicePort(proto))
            : endpoint(lab.scenario.nodeAddress, Names.publicNodePort(proto))
        let results = try lab.connect(from: Names.external, to: target, protocol: proto, count: connections)
        let seen = Set(results.compactMap { $0.reply?.sawPeer.ipAddress })
        let servers = Set(results.compactMap(\.reply?.server))
        return ServiceCheck(
            name: "\(proto.rawValue) \(viaLoadBalancer ? "LoadBalancer IP" : "NodePort") \(target) from \(Names.external) works and is masqueraded",
            passed: results.allSatisfy(\.outcome.isConnected) && seen == [lab.scenario.nodeAddress]
                && !servers.isEmpty && servers.isSubset(of: Names.spreadBackends),
            details: ["backends saw source \(seen.map(\.description).sorted()), reached \(servers.sorted()), not connected: \(results.filter { !$0.outcome.isConnected }.count)"])
    }

    /// externalTrafficPolicy Local: external clients reach only the node-local endpoint (and
    /// keep their source address), while pods still reach the remote one through the ClusterIP.
    public static func externalTrafficPolicyLocal(_ lab: ServiceLab, _ proto: KubeProtocol, viaLoadBalancer: Bool,
                                                  connections: Int = 60) throws -> ServiceCheck {
        let target = viaLoadBalancer ? endpoint(Names.localLoadBalancer, Names.servicePort(proto))
            : endpoint(lab.scenario.nodeAddress, Names.localNodePort(proto))
        let external = try lab.connect(from: Names.external, to: target, protocol: proto, count: connections)
        let fromPod = try lab.connect(from: Names.client, to: endpoint(Names.localClusterIP, Names.servicePort(proto)),
                                       protocol: proto, count: connections)
        let externalServers = Set(external.compactMap(\.reply?.server))
        let internalServers = Set(fromPod.compactMap(\.reply?.server))
        let clientAddress = lab.topology.host(named: Names.external)!.address
        let seen = Set(external.compactMap { $0.reply?.sawPeer.ipAddress })
        return ServiceCheck(
            name: "\(proto.rawValue) \(viaLoadBalancer ? "LoadBalancer IP" : "NodePort") \(target) with externalTrafficPolicy Local reaches only the local endpoint",
            passed: external.allSatisfy(\.outcome.isConnected) && externalServers == [Names.localBackend]
                && seen == [clientAddress] && internalServers == [Names.localBackend, Names.remoteBackend],
            details: ["external clients reached \(externalServers.sorted()) and were seen as \(seen.map(\.description).sorted())",
                      "the ClusterIP \(Names.localClusterIP) reached \(internalServers.sorted())"])
    }

    /// A pod reaching its own Service is routed back to itself; kube-proxy's hairpin
    /// masquerade makes it arrive from the node's address, so the pod answers.
    public static func hairpin(_ lab: ServiceLab, _ proto: KubeProtocol, connections: Int = 20) throws -> ServiceCheck {
        let results = try lab.connect(from: Names.hairpinBackend, to: endpoint(Names.hairpin, Names.servicePort(proto)),
                                      protocol: proto, count: connections)
        let servers = Set(results.compactMap(\.reply?.server))
        let seen = Set(results.compactMap { $0.reply?.sawPeer.ipAddress })
        return ServiceCheck(
            name: "\(proto.rawValue) hairpin: \(Names.hairpinBackend) reaches itself through ClusterIP \(Names.hairpin)",
            passed: results.allSatisfy(\.outcome.isConnected) && servers == ["b1"] && seen == [lab.scenario.nodeAddress],
            details: ["reached \(servers.sorted()), seen as \(seen.map(\.description).sorted()), outcomes \(Set(results.map { "\($0.outcome)" }).sorted())"])
    }

    static func endpoint(_ address: IPAddress, _ port: Int) -> Endpoint4 { Endpoint4(address, port: port)! }

    static func milliseconds(_ seconds: Double) -> String { String(Int((seconds * 1000).rounded())) }
}
