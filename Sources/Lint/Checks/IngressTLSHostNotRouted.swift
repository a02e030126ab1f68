import ClusterState
import ServiceNames

/// A TLS host no rule of the same Ingress routes: the certificate is served for it, but its
/// requests match none of this Ingress's rules.
public struct IngressTLSHostNotRouted: LintCheck {
    public let id = "ingress-tls-host"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        var findings: [Finding] = []
        for ingress in context.state.ingresses {
            let hosts = ingress.rules.map(\.host)
            for (tlsIndex, tls) in ingress.tls.enumerated() {
                for (hostIndex, host) in tls.hosts.enumerated() {
                    guard !hosts.contains(where: { IngressRouter.hostRank($0, host) != nil }) else { continue }
                    let named = hosts.filter { !$0.isEmpty }
                    let nearest = EditDistance.nearest(to: host, in: named)
                    findings.append(Finding(
                        .warning, check: id, ingress: ingress, field: "spec.tls[\(tlsIndex)].hosts[\(hostIndex)]",
                        message: "TLS host \(host) is covered by no rule of this Ingress (rule hosts: \(named.isEmpty ? "none" : named.joined(separator: ", ")))",
                        hint: nearest.map { "did you mean \($0)?" } ?? "add a rule for \(host), or drop it from tls"))
                }
            }
        }
        return findings
    }
}
