import NetfilterNetlink
import RuleModel

/// `-m tcp`/`-m udp`/`-m sctp` with their port options, as iptables-nft 1.8.9 writes them.
enum PortEncoding {
    struct Ports {
        var source: (PortRange, negated: Bool)?
        var destination: (PortRange, negated: Bool)?
    }

    static func append(_ proto: L4Protocol, _ ports: Ports, to out: inout [Expression]) {
        switch proto {
        case .sctp:
            // No native form for sctp in 1.8.9: always the xt match.
            out.append(.match(.sctp(XTSCTP(
                sourcePorts: ports.source.map { $0.0.first...$0.0.last },
                destinationPorts: ports.destination.map { $0.0.first...$0.0.last },
                invertSource: ports.source?.negated ?? false,
                invertDestination: ports.destination?.negated ?? false))))
        case .tcp, .udp:
            let source = ports.source.flatMap { restricts($0) ? $0 : nil }
            let destination = ports.destination.flatMap { restricts($0) ? $0 : nil }
            if source == nil && destination == nil {
                // A bare `-m tcp` stays an xt match with every port allowed.
                out.append(.match(proto == .tcp ? .tcp(XTTCP()) : .udp(XTUDP())))
                return
            }
            if let source, let destination, source.0.first == source.0.last, source.0.first != 0,
               destination.0.first == destination.0.last, destination.0.first != 0,
               source.negated == destination.negated {
                // Two single non-zero ports are compared in one go: sport and dport are adjacent.
                out.append(.payload(Payload(base: .transport, offset: 0, length: 4)))
                let both = RegisterData.networkOrder(UInt32(source.0.first) << 16 | UInt32(destination.0.first))
                out.append(.cmp(Cmp(source.negated ? .neq : .eq, both)))
                return
            }
            if let source { appendPort(source, offset: 0, to: &out) }
            if let destination { appendPort(destination, offset: 2, to: &out) }
        }
    }

    /// Whether an option restricts anything (0:65535 does not, and iptables drops it).
    private static func restricts(_ option: (PortRange, negated: Bool)) -> Bool {
        option.0.first != 0 || option.0.last != .max
    }

    /// `! --dport 0:65535` can never match; iptables-nft 1.8.9 would silently drop it and
    /// match everything instead, so it is refused.
    static func check(_ ports: Ports) throws {
        for (name, option) in [("--sport", ports.source), ("--dport", ports.destination)] {
            if let option, option.negated, !restricts(option) {
                throw EncodingError("! \(name) 0:65535 can never match")
            }
        }
    }

    private static func appendPort(_ option: (PortRange, negated: Bool), offset: UInt32, to out: inout [Expression]) {
        out.append(.payload(Payload(base: .transport, offset: offset, length: 2)))
        let op: CompareOperator = option.negated ? .neq : .eq
        if option.0.first == option.0.last {
            out.append(.cmp(Cmp(op, .networkOrder(option.0.first))))
        } else if option.0.first == 0 {
            // 0:N is one comparison, `<= N` (`> N` when negated).
            out.append(.cmp(Cmp(option.negated ? .gt : .lte, .networkOrder(option.0.last))))
        } else {
            out.append(.range(RangeExpression(op, from: .networkOrder(option.0.first), to: .networkOrder(option.0.last))))
        }
    }
}
