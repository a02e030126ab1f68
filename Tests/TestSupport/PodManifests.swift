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

    /// Two `app: web` Pods in namespace `x` whose container port named `http` differs: a
    /// (10.1.9.1) serves it on TCP 8080, b (10.1.9.2) on TCP 9090 and also on UDP 53 — a named
    /// port resolves per destination Pod and per protocol.
    public static let webPodsWithNamedPorts = """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: x, labels: {app: web}}
        spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
        status: {podIP: 10.1.9.1}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: x, labels: {app: web}}
        spec: {containers: [{name: c, ports: [{name: http, containerPort: 9090}, {name: http, containerPort: 53, protocol: UDP}]}]}
        status: {podIP: 10.1.9.2}

        """
}
