import Testing
import ClusterState
import NetworkAddresses
import PolicyCompiler
import RuleModel

/// The backend-neutral plan both policy layouts read: who is isolated, by which policy, and
/// each allow with the rule it came from.
@Suite struct PolicyPlanTests {
    private func plan(_ yaml: String, family: IPFamily = .ipv4) throws -> PolicyPlan {
        let state = try ManifestLoader.load(sources: [ManifestSource(name: "t.yaml", text: yaml)]).state
        return PolicyPlan(state, family: family)
    }

    private let pods = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: x, labels: {app: web}}
        spec: {containers: [{name: c}]}
        status: {podIP: 10.1.0.1}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client, namespace: x, labels: {app: client}}
        spec: {containers: [{name: c}]}
        status: {podIP: 10.1.0.2}

        """

    @Test func noPolicyIsolatesNothing() throws {
        #expect(try plan(pods).isEmpty)
    }

    @Test func allowsCarryTheirPolicyAndRuleIndex() throws {
        let plan = try plan(pods + """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web-in, namespace: x}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress:
              - from: [{ipBlock: {cidr: 192.168.0.0/16}}]
              - from: [{podSelector: {matchLabels: {app: client}}}]
                ports: [{port: 80, protocol: TCP}]
            """)
        #expect(plan.egress.isEmpty)
        #expect(plan.ingress.map(\.pod.key) == ["x/web"])
        #expect(plan.ingress[0].policies.map(\.key) == ["x/web-in"])
        #expect(plan.ingress[0].policies.map(\.type) == [.ingress])
        #expect(plan.policies.count == 1)
        let allows = plan.policies[0].allows
        #expect(allows.map(\.ruleIndex) == [0, 1])
        #expect(allows[0].peer == .block(cidr: IPPrefix("192.168.0.0/16")!, except: []))
        #expect(allows[0].ports == .all)
        #expect(allows[1].ports == .numbered(.tcp, PortRange(80)))
        guard case .pods(let members) = allows[1].peer else {
            Issue.record("a pod-selector peer resolves to pods, got \(allows[1].peer)")
            return
        }
        #expect(members.map(\.key) == ["x/client"])
        #expect(members.map(\.address) == [IPAddress("10.1.0.2")!])
    }

    @Test func aPeerOfTheOtherFamilyIsNobody() throws {
        let plan = try plan(pods + """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: v6-only, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - to: [{ipBlock: {cidr: "fd00::/8"}}]
            """)
        #expect(plan.egress.map(\.pod.key) == ["x/web", "x/client"], "in pod order")
        #expect(plan.policies.first?.allows.map(\.peer) == [.nothing])
    }
}
