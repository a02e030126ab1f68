/// YAML of `count` running Pods in `namespace` (`p0`, `p1`, …), for the policy layouts' tests:
/// pod IPs 10.1.x.y in namespace `x`, 10.2.x.y elsewhere, labels from `labels`.
public enum PodManifests {
    public static func pods(_ namespace: String, count: Int, labels: (Int) -> String = { "app: p\($0 % 3)" }) -> String {
        (0..<count).map { index in
            """
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: p\(index), namespace: \(namespace), labels: {\(labels(index))}}
            spec: {containers: [{name: c}]}
            status: {podIP: 10.\(namespace == "x" ? 1 : 2).\(index / 250).\(index % 250 + 1)}

            """
        }.joined()
    }
}
