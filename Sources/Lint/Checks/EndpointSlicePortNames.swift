import ClusterState

/// kube-proxy pairs Service ports with EndpointSlice ports by name: a slice port whose name no
/// Service port has is ignored, and a Service port no slice names gets no endpoints.
public struct EndpointSlicePortNames: LintCheck {
    public let id = "endpointslice-port-names"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        var findings: [Finding] = []
        for service in context.state.services where service.type != .externalName {
            let slices = context.slices(of: service)
            let serviceNames = service.ports.map(\.name)
            var sliceNames: [String] = []
            for slice in slices {
                for (index, port) in slice.ports.enumerated() {
                    sliceNames.append(port.name)
                    guard !serviceNames.contains(port.name) else { continue }
                    let nearest = EditDistance.nearest(to: port.name, in: serviceNames)
                    findings.append(Finding(
                        .error, check: id,
                        object: ObjectID(kind: "EndpointSlice", namespace: slice.metadata.namespace, name: slice.metadata.name),
                        location: slice.metadata.source, field: "ports[\(index)].name",
                        message: "port name \"\(port.name)\" matches no port of Service \(service.metadata.key) (\(serviceNames.map { "\"\($0)\"" }.joined(separator: ", ")))",
                        hint: nearest.map { "did you mean \"\($0)\"? kube-proxy matches ports by name" } ?? "name it like the Service port it serves"))
                }
            }
            guard !sliceNames.isEmpty else { continue }
            for (index, port) in service.ports.enumerated() where !sliceNames.contains(port.name) {
                // A slice port one typo away was reported above.
                if EditDistance.nearest(to: port.name, in: sliceNames) != nil { continue }
                findings.append(Finding(.error, check: id, service: service, field: "spec.ports[\(index)].name",
                                        message: "no EndpointSlice of the Service has a port named \"\(port.name)\", so this port has no endpoints",
                                        hint: "the slices name \(Array(Set(sliceNames)).sorted().map { "\"\($0)\"" }.joined(separator: ", "))"))
            }
        }
        return findings
    }
}
