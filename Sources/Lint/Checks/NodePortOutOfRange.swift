import ClusterState

/// NodePorts (and health-check node ports) outside the API server's NodePort range, which it
/// would refuse.
public struct NodePortOutOfRange: LintCheck {
    public let id = "service-node-port-range"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        let range = context.nodePortRange
        var findings: [Finding] = []
        for service in context.state.services {
            for (index, port) in service.ports.enumerated() where port.nodePort != 0 && !range.contains(port.nodePort) {
                findings.append(Finding(.error, check: id, service: service, field: "spec.ports[\(index)].nodePort",
                                        message: "nodePort \(port.nodePort) is outside the NodePort range \(range.lowerBound)-\(range.upperBound)",
                                        hint: "pick a port in \(range.lowerBound)-\(range.upperBound), or leave it out to have one allocated"))
            }
            if service.healthCheckNodePort != 0 && !range.contains(service.healthCheckNodePort) {
                findings.append(Finding(.error, check: id, service: service, field: "spec.healthCheckNodePort",
                                        message: "healthCheckNodePort \(service.healthCheckNodePort) is outside the NodePort range \(range.lowerBound)-\(range.upperBound)",
                                        hint: "pick a port in \(range.lowerBound)-\(range.upperBound), or leave it out to have one allocated"))
            }
        }
        return findings
    }
}
