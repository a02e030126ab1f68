import ClusterState

/// A Service with a cluster IP whose EndpointSlices hold no ready endpoint: kube-proxy
/// rejects its traffic. Only checked when the input has EndpointSlices at all.
public struct NoReadyEndpoints: LintCheck {
    public let id = "service-no-ready-endpoints"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        guard !context.state.endpointSlices.isEmpty else { return [] }
        return context.proxiedServices.compactMap { service in
            guard !service.isHeadless, !service.ports.isEmpty else { return nil }
            let slices = context.slices(of: service)
            let endpoints = slices.flatMap(\.endpoints)
            let ready = endpoints.filter(\.conditions.isReady).count
            guard ready == 0 else { return nil }
            let address = service.clusterIPs.first.map { "\($0)" } ?? ""
            let detail = slices.isEmpty ? "no EndpointSlice names it" : "\(endpoints.count) endpoint(s), none ready"
            return Finding(.warning, check: id, service: service, field: "",
                           message: "no ready endpoints (\(detail)): connections to \(address) are rejected",
                           hint: slices.isEmpty ? "label a slice kubernetes.io/service-name: \(service.metadata.name)" : "check the Pods' readiness probes")
        }
    }
}
