import ClusterState

/// Runs the checks and orders the findings by file, line and severity.
public struct Linter: Sendable {
    public static let allChecks: [any LintCheck] = [
        ServiceSelectorMatchesNoPod(), LabelTypoEmptiesService(), TargetPortNotDeclared(), EndpointSlicePortNames(),
        NoReadyEndpoints(), PolicySelectsNoPod(), SharedClusterIP(), NodePortOutOfRange(),
        IngressBackendService(), IngressBackendPort(), IngressClassMissing(), IngressDuplicateHostPath(),
        IngressTLSHostNotRouted(), IngressBackendBlockedByPolicy(),
    ]

    public var checks: [any LintCheck]

    public init(checks: [any LintCheck] = Linter.allChecks) {
        self.checks = checks
    }

    public func run(_ context: LintContext) -> [Finding] {
        var findings = checks.flatMap { $0.findings(in: context) }
        if !context.hasPods && context.state.services.contains(where: { $0.selector?.isEmpty == false }) {
            findings.append(Finding(.info, check: "no-pods", object: nil, location: nil, field: "",
                                    message: "the input has no Pods, so selectors and target ports were not checked",
                                    hint: "add the Pods (kubectl get pods -o yaml) to check them"))
        }
        return findings.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element, rhs.element)
            let lk = (l.location?.file ?? "", l.location?.line ?? 0), rk = (r.location?.file ?? "", r.location?.line ?? 0)
            if lk != rk { return lk < rk }
            if l.severity != r.severity { return l.severity < r.severity }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}

extension Array where Element == Finding {
    public var errorCount: Int { filter { $0.severity == .error }.count }
    public var warningCount: Int { filter { $0.severity == .warning }.count }
}
