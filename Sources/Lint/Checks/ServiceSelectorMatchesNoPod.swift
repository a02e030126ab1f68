import ClusterState

/// A Service whose selector matches no Pod of its namespace has no endpoints. (When a Pod
/// misses it by one mistyped label, `LabelTypoEmptiesService` reports that instead; when its
/// EndpointSlices list addresses of Pods the input does not hold, the input is partial and
/// nothing is said.)
public struct ServiceSelectorMatchesNoPod: LintCheck {
    public let id = "service-selector-no-pods"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        guard context.hasPods else { return [] }
        return context.state.services.compactMap { service in
            guard service.type != .externalName, let selector = service.selector, !selector.isEmpty,
                  context.selectedPods(service).isEmpty, LabelNearMiss.find(for: service, in: context) == nil,
                  !context.hasEndpointsOfUnlistedPods(service) else { return nil }
            let text = selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return Finding(.warning, check: id, service: service, field: "spec.selector",
                           message: "selector \(text) matches no Pod in namespace \(service.metadata.namespace)",
                           hint: "check the selector against the Pods' labels (kubectl get pods -n \(service.metadata.namespace) --show-labels)")
        }
    }
}
