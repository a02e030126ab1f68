import ClusterState

/// A Service left without Pods by one mistyped label, on either side: suggests the nearest
/// label a Pod actually has.
public struct LabelTypoEmptiesService: LintCheck {
    public let id = "service-label-typo"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        guard context.hasPods else { return [] }
        return context.state.services.compactMap { service in
            guard service.type != .externalName, context.selectedPods(service).isEmpty,
                  let miss = LabelNearMiss.find(for: service, in: context) else { return nil }
            return Finding(.error, check: id, service: service, field: "spec.selector.\(miss.selectorKey)",
                           message: "selector \(miss.selectorKey)=\(miss.selectorValue) matches no Pod, so the Service has no endpoints; "
                               + "Pod \(miss.pod.metadata.key) has \(miss.podKey)=\(miss.podValue)",
                           hint: "did you mean \(miss.podKey)=\(miss.podValue)? (or fix the Pod's label)")
        }
    }
}
