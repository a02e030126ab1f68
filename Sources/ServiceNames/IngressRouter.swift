import Foundation
import ClusterState

/// A request as an Ingress sees it: host and path.
public struct IngressRequest: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var path: String
    /// Whether the request was written with `https://` (the controller's 443 is its entry then).
    public var isHTTPS: Bool

    public init(host: String, path: String, isHTTPS: Bool = false) {
        self.host = host
        self.path = path
        self.isHTTPS = isHTTPS
    }

    /// `HOST/PATH` (`app.example.com/v1`; a scheme and a `:port` are dropped; no path is `/`).
    public init(parsing text: String) throws {
        var rest = Substring(text)
        var https = false
        if let scheme = rest.range(of: "://") {
            https = rest[..<scheme.lowerBound].lowercased() == "https"
            rest = rest[scheme.upperBound...]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var host = rest[..<slash]
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        var path = String(rest[slash...])
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<query]) }
        guard !host.isEmpty else { throw ResolutionError("\(quoted(text)) has no host: write HOST/PATH, e.g. app.example.com/v1") }
        self.init(host: host.lowercased(), path: path.isEmpty ? "/" : path, isHTTPS: https)
    }

    public var description: String { host + path }
}

/// Where an Ingress sends a request, and why.
public struct IngressRoute: Sendable {
    public var ingress: Ingress
    /// The field that decided: `spec.rules[0].http.paths[1]` or `spec.defaultBackend`.
    public var field: String
    /// The rule's host as written (empty: any host).
    public var host: String
    /// nil when the default backend answers.
    public var path: IngressPath?
    public var backend: IngressBackend
    public var notes: [String]
}

/// Routes requests the way the Ingress API describes: the most specific host (exact, then a
/// `*.` wildcard covering one label, then rules without host) picks the rules, then the
/// longest matching path among them (Exact before Prefix at equal length), over every Ingress
/// given — controllers merge the rules of all Ingresses of their class for a host. A less
/// specific host is not tried when the chosen one has no matching path: a default backend
/// answers then, as a controller's per-host server would.
public enum IngressRouter {
    /// How well a rule's host covers a request's host: 2 exact, 1 wildcard, 0 any; nil no.
    public static func hostRank(_ ruleHost: String, _ host: String) -> Int? {
        let ruleHost = ruleHost.lowercased(), host = host.lowercased()
        if ruleHost.isEmpty { return 0 }
        if ruleHost == host { return 2 }
        if ruleHost.hasPrefix("*.") {
            let suffix = ruleHost.dropFirst(1)
            guard host.hasSuffix(suffix) else { return nil }
            let label = host.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".") ? 1 : nil
        }
        return nil
    }

    /// The length of the rule path matched, or nil. Prefix compares whole path elements:
    /// `/foo` matches `/foo`, `/foo/` and `/foo/bar`, never `/foobar`.
    public static func pathMatch(_ rule: IngressPath, _ path: String) -> Int? {
        switch rule.pathType {
        case .exact:
            return rule.path == path ? rule.path.count : nil
        case .prefix, .implementationSpecific:
            let ruleElements = rule.path.split(separator: "/")
            let elements = path.split(separator: "/")
            guard ruleElements.count <= elements.count, zip(ruleElements, elements).allSatisfy(==) else { return nil }
            return ruleElements.reduce(0) { $0 + $1.count + 1 }
        }
    }

    public static func route(_ request: IngressRequest, through ingresses: [Ingress]) -> IngressRoute? {
        struct Candidate {
            let ingress: Ingress
            let field: String
            let host: String
            let path: IngressPath
            let rank: (host: Int, length: Int, exact: Int)
        }
        var candidates: [Candidate] = []
        var bestHost: (rank: Int, host: String, ingress: Ingress)?
        for ingress in ingresses {
            for rule in ingress.rules {
                guard let rank = hostRank(rule.host, request.host), rank > (bestHost?.rank ?? -1) else { continue }
                bestHost = (rank, rule.host.lowercased(), ingress)
            }
        }
        for ingress in ingresses {
            for (ruleIndex, rule) in ingress.rules.enumerated() {
                guard let hostRank = hostRank(rule.host, request.host), rule.host.lowercased() == bestHost?.host else { continue }
                for (pathIndex, path) in rule.paths.enumerated() {
                    guard let length = pathMatch(path, request.path) else { continue }
                    candidates.append(Candidate(ingress: ingress, field: "spec.rules[\(ruleIndex)].http.paths[\(pathIndex)]",
                                                host: rule.host, path: path,
                                                rank: (hostRank, length, path.pathType == .exact ? 1 : 0)))
                }
            }
        }
        // Stable: among equals, the first in input order wins.
        if let best = candidates.enumerated().max(by: { lhs, rhs in
            let (l, r) = (lhs.element.rank, rhs.element.rank)
            if l != r { return l < r }
            return lhs.offset > rhs.offset
        })?.element {
            var notes: [String] = []
            if best.path.pathType == .implementationSpecific {
                notes.append("pathType ImplementationSpecific is up to the controller: routed here as Prefix")
            }
            let rivals = candidates.filter { $0.rank == best.rank && $0.ingress.metadata.key != best.ingress.metadata.key }
            for rival in rivals {
                notes.append("Ingress \(rival.ingress.metadata.key) \(rival.field) matches as well; which one a controller "
                             + "picks is not defined (here: the first in the input)")
            }
            return IngressRoute(ingress: best.ingress, field: best.field, host: best.host, path: best.path,
                                backend: best.path.backend, notes: notes)
        }
        // No path: the default backend of an Ingress for this host, else of any Ingress.
        let withDefault = ingresses.filter { $0.defaultBackend != nil }
        guard let fallback = withDefault.first(where: { $0.metadata.key == bestHost?.ingress.metadata.key }) ?? withDefault.first,
              let backend = fallback.defaultBackend else { return nil }
        var notes = ["no rule path matches \(request): the default backend answers"]
        if withDefault.count > 1 {
            notes.append("\(withDefault.count) Ingresses have a default backend; a controller uses one of them")
        }
        return IngressRoute(ingress: fallback, field: "spec.defaultBackend", host: "", path: nil, backend: backend, notes: notes)
    }
}

extension IngressBackend {
    public var text: String {
        switch self {
        case .service(let name, .number(let number)): return "Service \(name) port \(number)"
        case .service(let name, .name(let port)): return "Service \(name) port \(quoted(port))"
        case .resource(let resource): return "resource \(resource)"
        }
    }
}
