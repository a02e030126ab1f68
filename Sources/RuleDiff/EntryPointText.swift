import NetworkAddresses
import RuleModel

/// One line saying how a shared-chain rule lets traffic reach a Service port, e.g.
/// `cluster IP 172.30.0.41:80/tcp -> KUBE-SVC-XPGD46QRK7WJZT7O (nat KUBE-SERVICES)`. The
/// kind of entry point comes from the rule's provenance, never from its comment.
enum EntryPointText {
    static func describe(_ rule: Rule, entry: EntryPoint?, in key: ChainKey) -> String {
        let what = entry.map(words) ?? "rule"
        var address = "*"
        var port = ""
        var proto = ""
        var local = false
        for match in rule.matches {
            switch match {
            case .destination(let destination, false): address = destination.description
            case .destinationPort(let range, false): port = ":\(range)"
            case .l4Protocol(let value): proto = "/\(value.rawValue)"
            case .addressType(.destination, .local, false): local = true
            default: break
            }
        }
        if local && address == "*" { address = "<node address>" }
        let target = rule.verdict.map(verdictText) ?? "(no target)"
        return "\(what) \(address)\(port)\(proto) -> \(target) (\(key.label))"
    }

    /// kube-proxy's words for its entry points (as its rule comments say them).
    private static func words(_ entry: EntryPoint) -> String {
        switch entry {
        case .clusterIP: return "cluster IP"
        case .externalIP: return "external IP"
        case .loadBalancerIP: return "loadbalancer IP"
        case .externalOrLoadBalancerIP: return "external or loadbalancer IP"
        case .nodePort: return "node port"
        case .healthCheckNodePort: return "health check node port"
        }
    }

    private static func verdictText(_ verdict: Verdict) -> String {
        switch verdict {
        case .jump(let chain), .goto(let chain): return chain.description
        case .accept: return "ACCEPT"
        case .drop: return "DROP"
        case .reject: return "REJECT"
        case .return: return "RETURN"
        default: return "\(verdict)"
        }
    }
}
