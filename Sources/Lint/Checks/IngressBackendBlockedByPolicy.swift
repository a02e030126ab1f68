import ClusterState
import NetworkAddresses
import PacketPath
import PacketTrace
import ServiceNames

/// A NetworkPolicy that keeps an Ingress controller's Pods from a backend the controller
/// routes to. Judged by tracing, from each controller Pod, the connection to the backend's
/// cluster IP and port through the compiled rules: the same policy chains and verdicts as
/// `trace`, not a second reading of the policies — so, like every rule PacketPath compiles,
/// it judges what this node enforces (the policies of its own Pods). Needs the controller
/// Pods in the input (found as `trace --ingress` finds them).
public struct IngressBackendBlockedByPolicy: LintCheck {
    public let id = "ingress-backend-policy"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        let state = context.state
        guard !state.ingresses.isEmpty, !state.networkPolicies.isEmpty else { return [] }
        let controllers = IngressControllers(state: state)
        var tracers: [IPFamily: PacketTracer] = [:]
        var findings: [Finding] = []
        for backend in IngressServiceBackend.all(in: state) {
            guard let ingressClass = controllers.ingressClass(of: backend.ingress),
                  let controller = controllers.controller(for: ingressClass),
                  let service = context.service(backend.ingress.metadata.namespace, backend.serviceName),
                  let port = context.servicePort(service, backend.port) else { continue }
            for pod in controller.pods {
                for clusterIP in service.clusterIPs {
                    guard let source = pod.podIPs.first(where: { $0.family == clusterIP.family }) else { continue }
                    let tracer = tracers[clusterIP.family] ?? Review.tracer(state, family: clusterIP.family)
                    tracers[clusterIP.family] = tracer
                    let packet = TracePacket(source: source, destination: clusterIP, proto: .tcp, destinationPort: UInt16(port.port))
                    let outcomes = tracer.trace(packet).outcomes
                    let denied = outcomes.filter { if case .denied = $0.policy { return true } else { return false } }
                    guard !denied.isEmpty else { continue }
                    let endpoints = denied.compactMap(\.dnatTarget)
                    let policies = isolating(endpoints: denied.map(\.packet.destination), in: state)
                    findings.append(Finding(
                        .error, check: id, ingress: backend.ingress, field: backend.field,
                        message: "NetworkPolicy denies the Ingress controller's Pod \(pod.metadata.key) (\(source)) the connection to "
                            + "Service \(service.metadata.key) port \(port.port) for \(backend.route): "
                            + "\(denied.count) of \(outcomes.count) endpoint paths refused (\(endpoints.joined(separator: ", ")))"
                            + (policies.isEmpty ? "" : "; isolated by \(policies.joined(separator: ", "))"),
                        hint: "allow ingress from namespace \(pod.metadata.namespace) Pods "
                            + "\(pod.metadata.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")) "
                            + "in one of those policies (packetpath trace --ingress shows the path)"))
                    break
                }
            }
        }
        return findings
    }

    /// The NetworkPolicies selecting the Pods at `addresses` for ingress: the ones to amend.
    private func isolating(endpoints addresses: [IPAddress], in state: ClusterState) -> [String] {
        let pods = state.pods.filter { pod in pod.podIPs.contains(where: addresses.contains) }
        let names = state.networkPolicies.filter { policy in
            policy.policyTypes.contains(.ingress) && pods.contains { pod in
                pod.metadata.namespace == policy.metadata.namespace && policy.podSelector.matches(pod.metadata.labels)
            }
        }.map { "NetworkPolicy \($0.metadata.key)" }
        return Array(Set(names)).sorted()
    }
}
