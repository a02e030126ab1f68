import ClusterState

/// A Service port whose targetPort no selected Pod declares. A name that no container
/// declares cannot be resolved at all (error); an undeclared number may still be listened on
/// (warning), so it is reported only when the Pods declare ports.
public struct TargetPortNotDeclared: LintCheck {
    public let id = "service-target-port"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        guard context.hasPods else { return [] }
        var findings: [Finding] = []
        for service in context.state.services where service.type != .externalName {
            let pods = context.selectedPods(service)
            guard !pods.isEmpty else { continue }
            let declared = pods.flatMap(\.containerPorts)
            for (index, port) in service.ports.enumerated() {
                let sameProtocol = declared.filter { $0.protocol == port.protocol }
                let listing = sameProtocol.map { ($0.name.map { "\($0)/" } ?? "") + "\($0.containerPort)" }
                let known = listing.isEmpty ? "they declare no \(port.protocol.rawValue) ports" : "they declare \(Array(Set(listing)).sorted().joined(separator: ", "))"
                switch port.targetPort {
                case .string(let name):
                    guard !sameProtocol.contains(where: { $0.name == name }) else { continue }
                    let nearest = EditDistance.nearest(to: name, in: sameProtocol.compactMap(\.name))
                    findings.append(Finding(.error, check: id, service: service, field: "spec.ports[\(index)].targetPort",
                                            message: "targetPort \"\(name)\" (\(port.protocol.rawValue)) is declared by none of the \(pods.count) selected Pods; \(known)",
                                            hint: nearest.map { "did you mean \"\($0)\"?" } ?? "name a containerPort of the Pods, or use the port number"))
                case .int(let number):
                    guard !sameProtocol.isEmpty, !sameProtocol.contains(where: { $0.containerPort == number }) else { continue }
                    findings.append(Finding(.warning, check: id, service: service, field: "spec.ports[\(index)].targetPort",
                                            message: "targetPort \(number) (\(port.protocol.rawValue)) is declared by none of the \(pods.count) selected Pods; \(known)",
                                            hint: "check that the container listens on \(number)"))
                }
            }
        }
        return findings
    }
}
