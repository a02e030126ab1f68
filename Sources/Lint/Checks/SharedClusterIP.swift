import ClusterState
import NetworkAddresses

/// Two Services with the same cluster IP: the API server never allows it, so the input is
/// not a real cluster's state, and the rules of one of them shadow the other's.
public struct SharedClusterIP: LintCheck {
    public let id = "service-shared-cluster-ip"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        var firstOwner: [IPAddress: Service] = [:]
        var findings: [Finding] = []
        for service in context.state.services {
            for (index, address) in service.clusterIPs.enumerated() {
                guard let owner = firstOwner[address] else {
                    firstOwner[address] = service
                    continue
                }
                guard owner.metadata.key != service.metadata.key else { continue }
                findings.append(Finding(.error, check: id, service: service, field: index == 0 ? "spec.clusterIP" : "spec.clusterIPs[\(index)]",
                                        message: "cluster IP \(address) is also Service \(owner.metadata.key)'s",
                                        hint: "give one of them another address, or leave clusterIP empty to have one allocated"))
            }
        }
        return findings
    }
}
