import NetworkAddresses
import RuleModel
import ServiceCompiler

/// The rules kube-proxy writes whatever the Services: masquerading, forwarding, the
/// localhost firewall, the NodePort dispatch at the end of KUBE-SERVICES, and the jumps from
/// the built-in chains.
struct FixedRules {
    let family: IPFamily
    let mark: MarkValue
    let randomFully: Bool
    let conntrackTCPLiberal: Bool
    let localhostNodePorts: Bool
    /// nil = NodePorts on every local address; otherwise the node addresses to accept them on.
    let nodePortAddresses: [IPAddress]?

    /// KUBE-FIREWALL is written only for IPv4 with localhost NodePorts enabled.
    var writesLocalhostFirewall: Bool { family == .ipv4 && localhostNodePorts }

    var postrouting: [Rule] {
        [
            Rule([.mark(mark, mask: mark, negated: true)], .return),
            Rule([], .setMark(.xor(mark))),
            Rule([.comment("kubernetes service traffic requiring SNAT")], .masquerade(randomFully: randomFully)),
        ]
    }

    var markMasquerade: [Rule] { [Rule([], .setMark(.or(mark)))] }

    var localhostFirewall: [Rule] {
        let loopback = IPPrefix("127.0.0.0/8")!
        return [Rule([.comment("block incoming localnet connections"),
                      .destination(.prefix(loopback)), .source(.prefix(loopback), negated: true),
                      .conntrackState([.related, .established, .dnat], negated: true)], .drop)]
    }

    var forward: [Rule] {
        var rules: [Rule] = []
        if !conntrackTCPLiberal {
            rules.append(Rule([.conntrackState([.invalid])], .drop))
        }
        rules.append(Rule([.comment("kubernetes forwarding rules"), .mark(mark, mask: mark)], .accept))
        rules.append(Rule([.comment("kubernetes forwarding conntrack rule"),
                           .conntrackState([.related, .established])], .accept))
        return rules
    }

    /// The last rule(s) of nat KUBE-SERVICES: hand locally-addressed traffic to KUBE-NODEPORTS.
    var nodePortDispatch: [Rule] {
        let comment = Match.comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain")
        let target = Verdict.jump(KubeProxyChains.nodePorts)
        guard let addresses = nodePortAddresses else {
            var matches: [Match] = [comment, .addressType(.destination, .local)]
            if family == .ipv6 {
                matches.append(.destination(.prefix(IPPrefix("::1/128")!), negated: true))
            } else if !localhostNodePorts {
                matches.append(.destination(.prefix(IPPrefix("127.0.0.0/8")!), negated: true))
            }
            return [Rule(matches, target)]
        }
        return addresses.compactMap { address in
            // NodePorts never work on IPv6 loopback, and on IPv4 loopback only when enabled.
            if address.isLoopback && (family == .ipv6 || !localhostNodePorts) { return nil }
            return Rule([comment, .destination(.host(address))], target)
        }
    }

    /// Jumps from the built-in chains, in the order they end up on a node: kube-proxy
    /// inserts each at position 1, so the last one ensured comes first.
    func builtinJumps(table: String) -> [Hook: [Rule]] {
        let newConnections = Match.conntrackState([.new])
        func jump(_ chain: ChainName, _ comment: Comment?, onlyNew: Bool) -> Rule {
            var matches: [Match] = onlyNew ? [newConnections] : []
            if let comment { matches.append(.comment(comment)) }
            return Rule(matches, .jump(chain))
        }
        var ensured: [(Hook, Rule)] = []
        if table == KubeProxyChains.filterTable {
            let external = jump(KubeProxyChains.externalServices, "kubernetes externally-visible service portals", onlyNew: true)
            let services = jump(KubeProxyChains.services, "kubernetes service portals", onlyNew: true)
            let firewall = jump(KubeProxyChains.proxyFirewall, "kubernetes load balancer firewall", onlyNew: true)
            ensured = [
                (.input, external), (.forward, external),
                (.input, jump(KubeProxyChains.nodePorts, "kubernetes health check service ports", onlyNew: false)),
                (.forward, services), (.output, services),
                (.forward, jump(KubeProxyChains.forward, "kubernetes forwarding rules", onlyNew: false)),
                (.input, firewall), (.output, firewall), (.forward, firewall),
            ]
            if writesLocalhostFirewall {
                let localhost = jump(KubeProxyChains.firewall, nil, onlyNew: false)
                ensured += [(.input, localhost), (.output, localhost)]
            }
        } else {
            let services = jump(KubeProxyChains.services, "kubernetes service portals", onlyNew: false)
            ensured = [
                (.output, services), (.prerouting, services),
                (.postrouting, jump(KubeProxyChains.postrouting, "kubernetes postrouting rules", onlyNew: false)),
            ]
        }
        var byHook: [Hook: [Rule]] = [:]
        for (hook, rule) in ensured { byHook[hook, default: []].insert(rule, at: 0) }
        return byHook
    }
}
