import NetworkNamespaces
import Testing
@testable import NetfilterNetlink

/// Objects sent to a real kernel (in a private namespace) come back as the same values.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct KernelRoundTripTests {
    static let expressions: [[Expression]] = [
        // -p tcp -d 10.96.0.10 --dport 53 -m comment … -j KUBE-SVC
        [.meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(6))),
         .payload(Payload(base: .network, offset: 16, length: 4)), .cmp(Cmp(.eq, .networkOrder(0x0a60_000a as UInt32))),
         .match(.comment(XTComment("kube-system/kube-dns:dns-tcp", " cluster IP"))),
         .payload(Payload(base: .transport, offset: 2, length: 2)), .cmp(Cmp(.eq, .networkOrder(53 as UInt16))),
         .counter(Counter()), .immediate(Immediate(verdict: .jump("KUBE-SVC-X")))],
        // ! -s 10.0.0.0/12, mark and/xor, port range
        [.payload(Payload(base: .network, offset: 12, length: 4)),
         .bitwise(Bitwise(mask: .networkOrder(0xfff0_0000 as UInt32), xor: .networkOrder(0 as UInt32))),
         .cmp(Cmp(.neq, .networkOrder(0x0a00_0000 as UInt32))),
         .meta(Meta(key: .mark)), .bitwise(Bitwise(mask: .hostOrder(0x4000), xor: .hostOrder(0))),
         .cmp(Cmp(.eq, .hostOrder(0x4000))),
         .payload(Payload(base: .transport, offset: 2, length: 2)),
         .range(RangeExpression(.eq, from: .networkOrder(1000 as UInt16), to: .networkOrder(2000 as UInt16))),
         .counter(Counter()), .immediate(Immediate(verdict: .return))],
        // xt matches and targets
        [.match(.conntrack(XTConntrack(stateMask: XTConntrack.StateBit.new))),
         .match(.statistic(XTStatistic(probability: 0x2aaa_aaab))),
         .match(.recent(XTRecent(name: "KUBE-SEP-X", operation: .check(seconds: 10800, reap: true)))),
         .match(.addrType(XTAddrType(destinationTypes: XTAddrType.local))),
         .counter(Counter()), .target(.mark(XTMark(value: 0x4000, mask: 0x4000)))],
        [.meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(132))), .match(.sctp(XTSCTP(destinationPorts: 80...80))),
         .counter(Counter()), .target(.dnat(XTDNAT(address: .networkOrder(0x0a00_0001 as UInt32), port: 8080)))],
        [.counter(Counter()), .target(.masqueradeIPv4(XTMasqueradeIPv4(randomFully: true)))],
        // native nat, masq, numgen, fib, ct
        [.ct(Ct(key: .state)), .bitwise(Bitwise(mask: .hostOrder(8), xor: .hostOrder(0))), .cmp(Cmp(.neq, .hostOrder(0))),
         .fib(Fib(flags: [.destinationAddress], result: .addressType)), .cmp(Cmp(.eq, .hostOrder(2))),
         .immediate(Immediate(data: .networkOrder(0x0a00_0002 as UInt32), destination: .r1)),
         .immediate(Immediate(data: .networkOrder(80 as UInt16), destination: .r2)),
         .nat(Nat(kind: .dnat, family: .ipv4, addressMin: .r1, protoMin: .r2, flags: 3))],
        [.numgen(Numgen(modulus: 2)), .cmp(Cmp(.eq, .hostOrder(1))), .masq(Masq(flags: 0x10))],
    ]

    @Test func objectsComeBackAsSent() throws {
        let read = try NamespaceThread.runInNewNamespace { () throws -> ([ChainInfo], [[RuleInfo]], TableInfo?) in
            let socket = try NetfilterSocket()
            let before = try socket.generation()
            let batch = socket.makeBatch(generation: before)
            batch.addTable(family: .ipv4, name: "nat", tag: 0)
            batch.addChain(family: .ipv4, table: "nat", name: "POSTROUTING",
                           base: BaseChainSpec(type: "nat", hook: .postrouting, priority: 100), tag: 1)
            batch.addChain(family: .ipv4, table: "nat", name: "KUBE-SVC-X", comment: "packetpath", tag: 2)
            for (index, expressions) in Self.expressions.enumerated() {
                // The sctp xt match is only accepted in a rule whose compat protocol is sctp.
                let compat = NetfilterBatch.Compat(protocolNumber: index == 3 ? 132 : 0)
                // A regular chain no hook reaches: NAT targets are accepted whatever their hook.
                try batch.addRule(family: .ipv4, table: "nat", chain: "KUBE-SVC-X", expressions: expressions,
                                  compat: compat, tag: 10 + index)
            }
            batch.addTable(family: .ipv4, name: "state", comment: "hello", tag: 99)
            try socket.commit(batch)
            #expect(try socket.generation() == before &+ 1)
            let chains = try socket.chains(family: .ipv4, table: "nat")
            let rules = try chains.map { try socket.rules(family: .ipv4, table: "nat", chain: $0.name) }
            return (chains, rules, try socket.table(family: .ipv4, name: "state"))
        }
        let (chains, rules, state) = read
        #expect(chains.map(\.name) == ["POSTROUTING", "KUBE-SVC-X"])
        #expect(chains[0].base == BaseChainSpec(type: "nat", hook: .postrouting, priority: 100))
        #expect(chains[0].comment == nil)
        #expect(chains[1].base == nil)
        #expect(chains[1].comment == "packetpath")
        #expect(rules[0].isEmpty)
        #expect(rules[1].map(\.expressions) == Self.expressions)
        #expect(state?.comment == "hello")
    }

    @Test func rejectedBatchNamesTheMessageAndAttribute() throws {
        let outcome = try NamespaceThread.runInNewNamespace { () throws -> (NetfilterError?, Int, [ChainInfo]) in
            let socket = try NetfilterSocket()
            let batch = socket.makeBatch()
            batch.addTable(family: .ipv4, name: "filter", tag: 0)
            batch.addChain(family: .ipv4, table: "filter", name: "A", tag: 1)
            try batch.addRule(family: .ipv4, table: "filter", chain: "A",
                              expressions: [.counter(Counter()), .immediate(Immediate(verdict: .accept))], tag: 2)
            try batch.addRule(family: .ipv4, table: "filter", chain: "A",
                              expressions: [.counter(Counter()), .immediate(Immediate(verdict: .jump("MISSING")))], tag: 3)
            do {
                try socket.commit(batch)
                return (nil, 0, [])
            } catch let error as NetfilterError {
                return (error, try socket.tables(family: .ipv4).count, try socket.chains(family: .ipv4))
            }
        }
        let (error, tablesAfter, chainsAfter) = outcome
        guard case .batchRejected(let failures, _)? = error else {
            Issue.record("expected a rejected batch, got \(String(describing: error))")
            return
        }
        #expect(failures.count == 1)
        #expect(failures.first?.tag == 3)
        #expect(failures.first?.errno == 2) // ENOENT
        #expect(failures.first?.attribute?.expressionIndex == 1)
        #expect(failures.first?.attribute?.expressionName == "immediate")
        // Nothing of the batch was applied.
        #expect(tablesAfter == 0)
        #expect(chainsAfter.isEmpty)
    }

    @Test func staleGenerationIsRefused() throws {
        let error = try NamespaceThread.runInNewNamespace { () throws -> NetfilterError? in
            let socket = try NetfilterSocket()
            let generation = try socket.generation()
            let first = socket.makeBatch(generation: generation)
            first.addTable(family: .ipv4, name: "one", tag: 0)
            try socket.commit(first)
            let second = socket.makeBatch(generation: generation)
            second.addTable(family: .ipv4, name: "two", tag: 0)
            do {
                try socket.commit(second)
                return nil
            } catch let error as NetfilterError {
                return error
            }
        }
        guard case .generationChanged? = error else {
            Issue.record("expected generationChanged, got \(String(describing: error))")
            return
        }
    }
}
