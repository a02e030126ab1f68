import CNetfilter

/// One nf_tables expression of a rule, as a value: what PacketPath builds, sends and reads back.
public enum Expression: Hashable, Sendable, CustomStringConvertible {
    case payload(Payload)
    case meta(Meta)
    case cmp(Cmp)
    case bitwise(Bitwise)
    case range(RangeExpression)
    case ct(Ct)
    case immediate(Immediate)
    case lookup(Lookup)
    case counter(Counter)
    case nat(Nat)
    case masq(Masq)
    case numgen(Numgen)
    case dynset(Dynset)
    case fib(Fib)
    case reject(Reject)
    case match(XTMatch)
    case target(XTTarget)
    /// An expression kind this module does not model (read back only; cannot be sent).
    case unsupported(name: String)

    /// The kernel's name for the expression kind.
    public var kindName: String {
        switch self {
        case .payload: return Payload.kindName
        case .meta: return Meta.kindName
        case .cmp: return Cmp.kindName
        case .bitwise: return Bitwise.kindName
        case .range: return RangeExpression.kindName
        case .ct: return Ct.kindName
        case .immediate: return Immediate.kindName
        case .lookup: return Lookup.kindName
        case .counter: return Counter.kindName
        case .nat: return Nat.kindName
        case .masq: return Masq.kindName
        case .numgen: return Numgen.kindName
        case .dynset: return Dynset.kindName
        case .fib: return Fib.kindName
        case .reject: return Reject.kindName
        case .match: return XTMatch.kindName
        case .target: return XTTarget.kindName
        case .unsupported(let name): return name
        }
    }

    /// nft's `--debug=netlink` notation, e.g. `[ cmp eq reg 1 0x00000006 ]`.
    public var description: String {
        let body: String
        switch self {
        case .payload(let value): body = value.text
        case .meta(let value): body = value.text
        case .cmp(let value): body = value.text
        case .bitwise(let value): body = value.text
        case .range(let value): body = value.text
        case .ct(let value): body = value.text
        case .immediate(let value): body = value.text
        case .lookup(let value): body = value.text
        case .counter(let value): body = value.text
        case .nat(let value): body = value.text
        case .masq(let value): body = value.text
        case .numgen(let value): body = value.text
        case .dynset(let value): body = value.text
        case .fib(let value): body = value.text
        case .reject(let value): body = value.text
        case .match(let value): body = value.text
        case .target(let value): body = value.text
        case .unsupported(let name): body = "\(name) (not modelled)"
        }
        return "[ \(body) ]"
    }

    /// A new libnftnl expression holding this value; the caller adds it to a rule, which then
    /// owns it.
    func makeNftnl(family: NetfilterFamily) throws -> OpaquePointer {
        guard let pointer = nftnl_expr_alloc(kindName) else {
            throw NetfilterError.unsupportedExpression(kindName)
        }
        let expr = NftnlExpr(pointer: pointer)
        switch self {
        case .payload(let value): value.write(to: expr, family: family)
        case .meta(let value): value.write(to: expr, family: family)
        case .cmp(let value): value.write(to: expr, family: family)
        case .bitwise(let value): value.write(to: expr, family: family)
        case .range(let value): value.write(to: expr, family: family)
        case .ct(let value): value.write(to: expr, family: family)
        case .immediate(let value): value.write(to: expr, family: family)
        case .lookup(let value): value.write(to: expr, family: family)
        case .counter(let value): value.write(to: expr, family: family)
        case .nat(let value): value.write(to: expr, family: family)
        case .masq(let value): value.write(to: expr, family: family)
        case .numgen(let value): value.write(to: expr, family: family)
        case .dynset(let value): value.write(to: expr, family: family)
        case .fib(let value): value.write(to: expr, family: family)
        case .reject(let value): value.write(to: expr, family: family)
        case .match(let value): value.write(to: expr, family: family)
        case .target(let value): value.write(to: expr, family: family)
        case .unsupported(let name):
            nftnl_expr_free(pointer)
            throw NetfilterError.unsupportedExpression(name)
        }
        return pointer
    }

    /// Reads a libnftnl expression (from a parsed rule) into a value.
    init(nftnl pointer: OpaquePointer, family: NetfilterFamily) {
        let expr = NftnlExpr(pointer: pointer)
        switch expr.string(NFTNL_EXPR_NAME) {
        case Payload.kindName: self = .payload(Payload(reading: expr, family: family))
        case Meta.kindName: self = .meta(Meta(reading: expr, family: family))
        case Cmp.kindName: self = .cmp(Cmp(reading: expr, family: family))
        case Bitwise.kindName: self = .bitwise(Bitwise(reading: expr, family: family))
        case RangeExpression.kindName: self = .range(RangeExpression(reading: expr, family: family))
        case Ct.kindName: self = .ct(Ct(reading: expr, family: family))
        case Immediate.kindName: self = .immediate(Immediate(reading: expr, family: family))
        case Lookup.kindName: self = .lookup(Lookup(reading: expr, family: family))
        case Counter.kindName: self = .counter(Counter(reading: expr, family: family))
        case Nat.kindName: self = .nat(Nat(reading: expr, family: family))
        case Masq.kindName: self = .masq(Masq(reading: expr, family: family))
        case Numgen.kindName: self = .numgen(Numgen(reading: expr, family: family))
        case Dynset.kindName: self = .dynset(Dynset(reading: expr, family: family))
        case Fib.kindName: self = .fib(Fib(reading: expr, family: family))
        case Reject.kindName: self = .reject(Reject(reading: expr, family: family))
        case XTMatch.kindName: self = .match(XTMatch(reading: expr, family: family))
        case XTTarget.kindName: self = .target(XTTarget(reading: expr, family: family))
        case let other: self = .unsupported(name: other)
        }
    }
}
