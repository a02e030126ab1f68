import ClusterState

/// A NetworkPolicy whose podSelector matches no Pod of its namespace does nothing.
public struct PolicySelectsNoPod: LintCheck {
    public let id = "networkpolicy-selects-no-pods"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        guard context.hasPods else { return [] }
        return context.state.networkPolicies.compactMap { policy in
            let pods = context.pods(in: policy.metadata.namespace)
            guard !pods.contains(where: { policy.podSelector.matches($0.metadata.labels) }) else { return nil }
            let nearest = policy.podSelector.matchLabels.sorted { $0.key < $1.key }.lazy.compactMap { key, value in
                pods.lazy.compactMap { EditDistance.nearestLabel(key: key, value: value, in: $0.metadata.labels) }.first
            }.first.map { "\($0.key)=\($0.value)" }
            return Finding(.warning, check: id,
                           object: ObjectID(kind: "NetworkPolicy", namespace: policy.metadata.namespace, name: policy.metadata.name),
                           location: policy.metadata.source, field: "spec.podSelector",
                           message: "selects no Pod in namespace \(policy.metadata.namespace), so it isolates nothing",
                           hint: nearest.map { "did you mean \($0)?" } ?? "check the selector against the Pods' labels")
        }
    }
}
