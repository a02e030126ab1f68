import NetworkAddresses
import RuleModel

/// One line saying how a shared-chain rule lets traffic reach a Service port, e.g.
/// `cluster IP 172.30.0.41:80/tcp -> KUBE-SVC-XPGD46QRK7WJZT7O (nat KUBE-SERVICES)`.
enum EntryPointText {
    static func describe(_ rule: Rule, in key: ChainKey, family: IPFamily) -> String {
        var what = "rule"
        if let comment = rule.comment?.description, let name = KubeProxyComments.servicePortName(in: comment) {
            let rest = comment.hasPrefix(name) ? comment.dropFirst(name.count).drop { $0 == " " } : Substring(comment)
            what = rest.isEmpty ? "node port" : String(rest)
        }
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
