import ClusterState
import ServiceNames

/// Two Ingresses of the same class claiming the same host and path: the controller merges
/// them and which backend wins is up to it (ingress-nginx: the oldest Ingress).
public struct IngressDuplicateHostPath: LintCheck {
    public let id = "ingress-duplicate-path"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        let controllers = IngressControllers(state: context.state)
        var first: [String: (ingress: Ingress, field: String)] = [:]
        var findings: [Finding] = []
        for ingress in context.state.ingresses {
            let className = controllers.ingressClass(of: ingress)?.metadata.name ?? ingress.ingressClassName ?? ""
            for (ruleIndex, rule) in ingress.rules.enumerated() {
                for (pathIndex, path) in rule.paths.enumerated() {
                    let field = "spec.rules[\(ruleIndex)].http.paths[\(pathIndex)]"
                    let key = [className, rule.host.lowercased(), Self.claim(path)].joined(separator: " ")
                    guard let earlier = first[key] else {
                        first[key] = (ingress, field)
                        continue
                    }
                    guard earlier.ingress.metadata.key != ingress.metadata.key else { continue }
                    findings.append(Finding(
                        .error, check: id, ingress: ingress, field: field + ".path",
                        message: "host \(rule.host.isEmpty ? "(any)" : rule.host) path \(path.path) (\(path.pathType.rawValue)) is also claimed by "
                            + "Ingress \(earlier.ingress.metadata.key) \(earlier.field); which backend answers is up to the controller",
                        hint: "keep the route in one Ingress, or give one of them another host or path"))
                }
            }
        }
        return findings
    }

    /// Paths that match the same requests: Prefix ignores a trailing slash, and
    /// ImplementationSpecific is read as Prefix.
    static func claim(_ path: IngressPath) -> String {
        switch path.pathType {
        case .exact: return "exact " + path.path
        case .prefix, .implementationSpecific: return "prefix /" + path.path.split(separator: "/").joined(separator: "/")
        }
    }
}
