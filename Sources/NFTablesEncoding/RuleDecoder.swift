import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// One rule's expressions back into rule-model matches and a verdict: the inverse of
/// `MatchEncoder` and `VerdictEncoder`, which write exactly the sequences nft writes for the
/// layouts' rule text. Anything else (another tool's rule, an expression the model has no
/// form for) is an error naming the expression, never a guess.
struct RuleDecoder {
    let family: NetfilterFamily

    struct Failure: Error {
        var message: String
    }

    /// `anonymousSets`: the sets and maps the rule's anonymous lookups use, in lookup order.
    func decode(_ expressions: [Expression], anonymousSets: [NFTablesProgram.SetDefinition],
                comment: String?) throws(Failure) -> Rule {
        var cursor = Cursor(expressions: expressions)
        var anonymous = anonymousSets[...]
        var matches: [Match] = []
        var verdict: Verdict?
        while let expression = cursor.peek {
            guard verdict == nil else { throw Failure(message: "\(expression) follows the rule's verdict") }
            switch expression {
            case .counter:
                // The model does not keep counters (the text parser skips them too).
                cursor.advance()
            case .payload, .meta(Meta(key: .l4proto, destination: .r1)):
                switch try fieldMatchOrLookup(&cursor, anonymous: &anonymous) {
                case .match(let match): matches.append(match)
                case .verdict(let decoded): verdict = decoded
                }
            case .meta(Meta(key: .mark, destination: .r1)):
                switch try markMatchOrAction(&cursor) {
                case .match(let match): matches.append(match)
                case .verdict(let decoded): verdict = decoded
                }
            case .ct(Ct(key: .state, destination: .r1)):
                matches.append(try conntrackState(&cursor))
            case .fib(let fib):
                matches.append(try addressType(fib, &cursor))
            case .immediate(let immediate):
                verdict = try immediateVerdict(immediate, &cursor)
            case .masq(let masq):
                cursor.advance()
                guard masq.protoMin == nil, masq.protoMax == nil, masq.flags & ~Self.randomFully == 0 else {
                    throw Failure(message: "masquerade with flags or ports the model has no form for")
                }
                verdict = .masquerade(randomFully: masq.flags & Self.randomFully != 0)
            case .reject(let reject) where reject.kind == .tcpReset && reject.code == 0:
                // nft puts the protocol test in front of `reject with tcp reset`; it belongs
                // to the verdict, not to the rule's matches.
                cursor.advance()
                guard cursor.position >= 3, matches.last == .l4Protocol(.tcp),
                      expressions[cursor.position - 3] == .meta(Meta(key: .l4proto)) else {
                    throw Failure(message: "reject with tcp reset without the protocol test nft writes before it")
                }
                matches.removeLast()
                verdict = .reject(.tcpReset)
            case .reject(let reject):
                cursor.advance()
                verdict = .reject(try rejectKind(reject))
            case .numgen(let numgen):
                verdict = try randomChoice(numgen, &cursor, anonymous: &anonymous)
            default:
                throw Failure(message: "\(expression) has no form in PacketPath's rule model")
            }
        }
        if let comment { matches.append(.comment(Comment(comment))) }
        return Rule(matches, verdict)
    }

    // NF_NAT_RANGE_PROTO_RANDOM_FULLY and NF_NAT_RANGE_PROTO_SPECIFIED.
    static let randomFully: UInt32 = 0x10
    static let protoSpecified: UInt32 = 0x2
    static let mapIPs: UInt32 = 0x1

    private enum Decoded {
        case match(Match)
        case verdict(Verdict)
    }

    /// Fields loaded into consecutive registers and then looked up (sets, maps, `update`), or
    /// one field compared with a constant.
    private func fieldMatchOrLookup(_ cursor: inout Cursor,
                                    anonymous: inout ArraySlice<NFTablesProgram.SetDefinition>) throws(Failure) -> Decoded {
        let start = cursor.position
        var fields: [PacketField] = []
        var words: UInt32 = 0
        while let expression = cursor.peek, let field = loadedField(expression, register: Registers.word(words)) {
            fields.append(field)
            words += FieldLoad(field: field, family: family).paddedLength / 4
            cursor.advance()
        }
        switch cursor.peek {
        case .lookup(let lookup)? where !fields.isEmpty && lookup.source == .r1:
            cursor.advance()
            return try lookupResult(lookup, fields: fields, anonymous: &anonymous)
        case .dynset(let dynset)? where !fields.isEmpty:
            cursor.advance()
            guard dynset.operation == .update, dynset.keySource == .r1, dynset.dataSource == nil, dynset.timeout == nil,
                  !AnonymousNames.isAnonymous(dynset.set) else {
                throw Failure(message: "\(Expression.dynset(dynset)) is not an `update @set { … }` the model has")
            }
            return .match(.updateSet(fields: fields, set: chainName(dynset.set)))
        default:
            cursor.position = start
            return .match(try comparison(&cursor))
        }
    }

    /// The field `expression` loads into `register`, as `Registers.load` writes it.
    private func loadedField(_ expression: Expression, register: Register) -> PacketField? {
        for field in [PacketField.sourceAddress, .destinationAddress, .l4Protocol, .sourcePort, .destinationPort]
        where FieldLoad(field: field, family: family).expression(into: register) == expression {
            return field
        }
        return nil
    }

    private func lookupResult(_ lookup: Lookup, fields: [PacketField],
                              anonymous: inout ArraySlice<NFTablesProgram.SetDefinition>) throws(Failure) -> Decoded {
        if AnonymousNames.isAnonymous(lookup.set) {
            guard lookup.destination == nil, fields.count == 1,
                  fields[0] == .sourceAddress || fields[0] == .destinationAddress else {
                throw Failure(message: "\(Expression.lookup(lookup)): anonymous sets of other keys are not in the model")
            }
            guard let definition = anonymous.popFirst() else {
                throw Failure(message: "\(Expression.lookup(lookup)): the anonymous set it uses was not read")
            }
            let elements = try addressElements(definition)
            return .match(.inAnonymousSet(field: fields[0], elements: elements, negated: lookup.inverted))
        }
        switch lookup.destination {
        case nil:
            return .match(.inSet(fields: fields, set: chainName(lookup.set), negated: lookup.inverted))
        case .verdict? where !lookup.inverted:
            return .verdict(.verdictMap(fields: fields, map: chainName(lookup.set)))
        default:
            throw Failure(message: "\(Expression.lookup(lookup)) maps to data, which the model has no form for")
        }
    }

    private func addressElements(_ definition: NFTablesProgram.SetDefinition) throws(Failure) -> [KeyComponent] {
        let width = family == .ipv6 ? 16 : 4
        guard !definition.set.flags.contains(.map), definition.set.keyLength == UInt32(width) else {
            throw Failure(message: "anonymous set \(definition.set.name) is not a set of addresses")
        }
        if definition.set.flags.contains(.interval) {
            guard let prefixes = IntervalDecoding.prefixes(definition.elements, width: width) else {
                throw Failure(message: "anonymous set \(definition.set.name): its intervals do not pair up")
            }
            return prefixes.map(KeyComponent.init(prefix:))
        }
        var out: [KeyComponent] = []
        for element in definition.elements {
            guard let address = SetKeyDecoding.address(element.key) else {
                throw Failure(message: "anonymous set \(definition.set.name): a key of \(element.key.count) bytes")
            }
            out.append(.address(address))
        }
        return out
    }

    /// `ip saddr 10.0.0.0/8`, `th dport 80`, `th dport 30000-32767`, `meta l4proto tcp`.
    private func comparison(_ cursor: inout Cursor) throws(Failure) -> Match {
        guard let first = cursor.next() else { throw Failure(message: "a rule ends inside a match") }
        switch first {
        case .meta(Meta(key: .l4proto, destination: .r1)):
            guard case .cmp(let cmp)? = cursor.next(), cmp.op == .eq, cmp.source == .r1, cmp.data.count == 1,
                  let proto = L4Protocol.allCases.first(where: { $0.number == cmp.data[0] }) else {
                throw Failure(message: "meta l4proto is compared in a way the model has no form for")
            }
            return .l4Protocol(proto)
        case .payload(let payload) where payload.base == .transport && payload.length == 2 && payload.destination == .r1
            && (payload.offset == 0 || payload.offset == 2):
            let source = payload.offset == 0
            let (range, negated) = try portRange(&cursor)
            return source ? .sourcePort(range, negated: negated) : .destinationPort(range, negated: negated)
        case .payload(let payload) where payload.base == .network && payload.destination == .r1:
            return try addressComparison(payload, &cursor)
        default:
            throw Failure(message: "\(first) loads a field the model has no form for")
        }
    }

    private func portRange(_ cursor: inout Cursor) throws(Failure) -> (PortRange, negated: Bool) {
        switch cursor.next() {
        case .cmp(let cmp)? where cmp.source == .r1 && cmp.data.count == 2 && (cmp.op == .eq || cmp.op == .neq):
            return (PortRange(Self.port(cmp.data)), cmp.op == .neq)
        case .cmp(let low)? where low.source == .r1 && low.op == .gte && low.data.count == 2:
            guard case .cmp(let high)? = cursor.next(), high.source == .r1, high.op == .lte, high.data.count == 2,
                  let range = PortRange(first: Self.port(low.data), last: Self.port(high.data)) else {
                throw Failure(message: "a port range without its upper bound")
            }
            return (range, false)
        case .range(let range)? where range.source == .r1 && range.op == .neq && range.from.count == 2 && range.to.count == 2:
            guard let ports = PortRange(first: Self.port(range.from), last: Self.port(range.to)) else {
                throw Failure(message: "a port range that ends before it starts")
            }
            return (ports, true)
        default:
            throw Failure(message: "a port is compared in a way the model has no form for")
        }
    }

    private static func port(_ data: RegisterData) -> UInt16 { UInt16(data[0]) << 8 | UInt16(data[1]) }

    /// `ip saddr 10.0.0.1`, `ip daddr != 10.0.0.0/8`: the loaded bytes cover the prefix, the
    /// last one masked when the prefix ends inside it.
    private func addressComparison(_ payload: Payload, _ cursor: inout Cursor) throws(Failure) -> Match {
        let ipv6 = family == .ipv6
        let width = ipv6 ? 16 : 4
        let source: Bool
        switch payload.offset {
        case ipv6 ? 8 : 12: source = true
        case ipv6 ? 24 : 16: source = false
        default: throw Failure(message: "\(Expression.payload(payload)) loads a field the model has no form for")
        }
        let count = Int(payload.length)
        guard count >= 1, count <= width else { throw Failure(message: "\(Expression.payload(payload)) is not an address") }
        var prefixLength = count * 8
        if case .bitwise(let bitwise)? = cursor.peek {
            cursor.advance()
            guard bitwise.source == .r1, bitwise.destination == .r1, bitwise.mask.count == count,
                  bitwise.xor.bytes.allSatisfy({ $0 == 0 }),
                  bitwise.mask.bytes.dropLast().allSatisfy({ $0 == 0xff }),
                  let bits = Self.leadingOnes(bitwise.mask[count - 1]), bits < 8 else {
                throw Failure(message: "an address is masked in a way that is not a prefix")
            }
            prefixLength = (count - 1) * 8 + bits
        }
        guard case .cmp(let cmp)? = cursor.next(), cmp.source == .r1, cmp.data.count == count,
              cmp.op == .eq || cmp.op == .neq else {
            throw Failure(message: "an address is compared in a way the model has no form for")
        }
        var bytes = cmp.data.bytes
        bytes += [UInt8](repeating: 0, count: width - count)
        guard let address = SetKeyDecoding.address(bytes), let prefix = IPPrefix(address: address, length: prefixLength) else {
            throw Failure(message: "an address of \(count) bytes")
        }
        let match: AddressMatch = prefix.isHost ? .host(address) : .prefix(prefix)
        return source ? .source(match, negated: cmp.op == .neq) : .destination(match, negated: cmp.op == .neq)
    }

    /// The number of leading one bits when the byte is ones then zeros, else nil.
    private static func leadingOnes(_ byte: UInt8) -> Int? {
        let ones = (~byte).leadingZeroBitCount
        return byte == (ones == 0 ? 0 : UInt8(0xff) << UInt8(8 - ones)) ? ones : nil
    }

    /// `mark and 0x4000 == 0` (a match) or `mark set mark or 0x4000` (an action).
    private func markMatchOrAction(_ cursor: inout Cursor) throws(Failure) -> Decoded {
        cursor.advance()
        var mask: UInt32 = .max
        var xor: UInt32 = 0
        if case .bitwise(let bitwise)? = cursor.peek {
            guard bitwise.source == .r1, bitwise.destination == .r1, bitwise.mask.count == 4, bitwise.xor.count == 4 else {
                throw Failure(message: "the mark is masked in a way the model has no form for")
            }
            cursor.advance()
            mask = bitwise.mask.hostOrderValue
            xor = bitwise.xor.hostOrderValue
        }
        switch cursor.next() {
        case .cmp(let cmp)? where cmp.source == .r1 && cmp.data.count == 4 && xor == 0 && (cmp.op == .eq || cmp.op == .neq):
            return .match(.mark(MarkValue(cmp.data.hostOrderValue), mask: MarkValue(mask), negated: cmp.op == .neq))
        case .meta(Meta(key: .mark, destination: nil, source: .r1))?:
            // nft prints `or` when the mask keeps every bit the value does not set.
            let operation: MarkOperation
            if mask == ~xor {
                operation = .or(MarkValue(xor))
            } else if mask == .max {
                operation = .xor(MarkValue(xor))
            } else {
                operation = .set(MarkValue(xor), mask: MarkValue(~mask))
            }
            return .verdict(.setMark(operation))
        default:
            throw Failure(message: "the mark is used in a way the model has no form for")
        }
    }

    /// `ct state new`, `ct state != established,related`.
    private func conntrackState(_ cursor: inout Cursor) throws(Failure) -> Match {
        cursor.advance()
        guard case .bitwise(let bitwise)? = cursor.next(), bitwise.source == .r1, bitwise.destination == .r1,
              bitwise.mask.count == 4, bitwise.xor.hostOrderValue == 0,
              case .cmp(let cmp)? = cursor.next(), cmp.source == .r1, cmp.data.count == 4, cmp.data.hostOrderValue == 0,
              cmp.op == .eq || cmp.op == .neq else {
            throw Failure(message: "ct state is tested in a way the model has no form for")
        }
        var bits = bitwise.mask.hostOrderValue
        var states: [ConntrackState] = []
        for state in [ConntrackState.invalid, .established, .related, .new, .untracked] {
            let bit = (try? MatchEncoder.stateBit(state)) ?? 0
            if bits & bit != 0 {
                states.append(state)
                bits &= ~bit
            }
        }
        guard bits == 0, !states.isEmpty else { throw Failure(message: "ct state bits the model has no name for") }
        return .conntrackState(states, negated: cmp.op == .eq)
    }

    /// `fib daddr type local`, `fib saddr type != local`.
    private func addressType(_ fib: Fib, _ cursor: inout Cursor) throws(Failure) -> Match {
        cursor.advance()
        let direction: PacketDirection
        switch fib.flags {
        case .sourceAddress: direction = .source
        case .destinationAddress: direction = .destination
        default: throw Failure(message: "\(Expression.fib(fib)) looks up what the model has no form for")
        }
        // RTN_LOCAL, in host order.
        guard fib.result == .addressType, fib.destination == .r1,
              case .cmp(let cmp)? = cursor.next(), cmp.source == .r1, cmp.data == .hostOrder(2),
              cmp.op == .eq || cmp.op == .neq else {
            throw Failure(message: "a fib lookup is tested in a way the model has no form for")
        }
        return .addressType(direction, .local, negated: cmp.op == .neq)
    }

    /// A verdict, or the address (and port) of a `dnat to`.
    private func immediateVerdict(_ immediate: Immediate, _ cursor: inout Cursor) throws(Failure) -> Verdict {
        cursor.advance()
        switch immediate.value {
        case .verdict(let verdict):
            guard let decoded = Verdict(verdict) else { throw Failure(message: "verdict \(verdict) has no form in the model") }
            return decoded
        case .data(let data):
            guard immediate.destination == .r1, let address = SetKeyDecoding.address(data.bytes),
                  (address.family == .ipv6) == (family == .ipv6) else {
                throw Failure(message: "\(Expression.immediate(immediate)) is not a dnat address")
            }
            var port: UInt16?
            if case .immediate(let portLoad)? = cursor.peek, portLoad.destination == .r2,
               case .data(let portData) = portLoad.value, portData.count == 2 {
                cursor.advance()
                port = Self.port(portData)
            }
            let expected = port == nil
                ? Nat(kind: .dnat, family: family, addressMin: .r1)
                : Nat(kind: .dnat, family: family, addressMin: .r1, protoMin: .r2, flags: Self.protoSpecified)
            guard case .nat(let nat)? = cursor.next(), Self.withoutMapIPs(nat) == expected else {
                throw Failure(message: "a constant is loaded for something other than `dnat to`")
            }
            return .dnat(address, port: port)
        }
    }

    /// The kernel adds NF_NAT_RANGE_MAP_IPS to the flags it lists when an address is given.
    private static func withoutMapIPs(_ nat: Nat) -> Nat {
        var nat = nat
        nat.flags &= ~mapIPs
        return nat
    }

    private func rejectKind(_ reject: Reject) throws(Failure) -> RejectKind? {
        let ipv6 = family == .ipv6
        switch (reject.kind, reject.code) {
        case (.icmpUnreachable, ipv6 ? 4 : 3): return nil
        case (.icmpUnreachable, ipv6 ? 1 : 13): return .adminProhibited
        default: throw Failure(message: "\(Expression.reject(reject)) has no form in the model")
        }
    }

    /// `numgen random mod N vmap { 0 : goto A, … }`.
    private func randomChoice(_ numgen: Numgen, _ cursor: inout Cursor,
                              anonymous: inout ArraySlice<NFTablesProgram.SetDefinition>) throws(Failure) -> Verdict {
        cursor.advance()
        guard numgen.kind == .random, numgen.offset == 0, numgen.destination == .r1, numgen.modulus > 0,
              case .lookup(let lookup)? = cursor.next(), lookup.source == .r1, lookup.destination == .verdict,
              !lookup.inverted, AnonymousNames.isAnonymous(lookup.set), let map = anonymous.popFirst() else {
            throw Failure(message: "numgen is used in a way the model has no form for")
        }
        var targets = [ChainName?](repeating: nil, count: Int(numgen.modulus))
        for element in map.elements {
            guard element.key.count == 4, case .goto(let chain)? = element.verdict else {
                throw Failure(message: "anonymous map \(map.set.name) holds an element other than `N : goto CHAIN`")
            }
            let index = Int(element.key.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
            guard index < targets.count, targets[index] == nil else {
                throw Failure(message: "anonymous map \(map.set.name) holds key \(index) of numgen mod \(numgen.modulus)")
            }
            targets[index] = chainName(chain)
        }
        let chains = targets.compactMap { $0 }
        guard chains.count == targets.count else {
            throw Failure(message: "anonymous map \(map.set.name) lacks some of numgen mod \(numgen.modulus)'s values")
        }
        return .randomChoice(chains)
    }

    private struct Cursor {
        let expressions: [Expression]
        var position = 0

        var peek: Expression? { position < expressions.count ? expressions[position] : nil }

        mutating func advance() { position += 1 }

        mutating func next() -> Expression? {
            defer { position += 1 }
            return peek
        }
    }
}

extension Verdict {
    /// A kernel verdict (of an `immediate`, or a map element's); nil for `continue` and
    /// `break`, which rules in the model never hold.
    init?(_ verdict: NetfilterVerdict) {
        switch verdict {
        case .accept: self = .accept
        case .drop: self = .drop
        case .return: self = .return
        case .jump(let chain): self = .jump(chainName(chain))
        case .goto(let chain): self = .goto(chainName(chain))
        case .continue, .break: return nil
        }
    }
}

func chainName(_ name: ObjectName) -> ChainName {
    name.withUTF8 { ChainName(String(decoding: $0, as: UTF8.self)) }
}

/// Anonymous sets are `__set…`/`__map…`: a `%d` for nft to number in a batch, a number once
/// the kernel has one.
public enum AnonymousNames {
    public static func isAnonymous(_ name: ObjectName) -> Bool { name.hasPrefix("__set") || name.hasPrefix("__map") }
}

extension KeyComponent {
    /// A one-address prefix is that address, as nft lists it.
    init(prefix: IPPrefix) {
        self = prefix.isHost ? .address(prefix.address) : .prefix(prefix)
    }
}
