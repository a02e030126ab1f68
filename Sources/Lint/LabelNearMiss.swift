import ClusterState

/// A Pod that a Service's selector misses by one mistyped label: every other selector pair
/// matches, and the Pod has a label the missing pair is a likely typo of.
struct LabelNearMiss {
    let pod: Pod
    let selectorKey: String
    let selectorValue: String
    let podKey: String
    let podValue: String

    static func find(for service: Service, in context: LintContext) -> LabelNearMiss? {
        guard let selector = service.selector, !selector.isEmpty else { return nil }
        for pod in context.pods(in: service.metadata.namespace) {
            let missing = selector.filter { pod.metadata.labels[$0.key] != $0.value }
            guard missing.count == 1, let (key, value) = missing.first,
                  let label = EditDistance.nearestLabel(key: key, value: value, in: pod.metadata.labels) else { continue }
            return LabelNearMiss(pod: pod, selectorKey: key, selectorValue: value, podKey: label.key, podValue: label.value)
        }
        return nil
    }
}
