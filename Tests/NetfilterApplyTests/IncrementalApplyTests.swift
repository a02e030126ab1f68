import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkAddresses
import PacketPath
import RuleModel
import Testing
import TestSupport

/// Incremental apply against the in-memory kernel (no root needed): what is sent, and that
/// the result equals a fresh apply of the same state.
struct IncrementalApplyTests {
    /// `state` with one more ready endpoint in its first EndpointSlice.
    static func withOneMoreEndpoint(_ state: ClusterState) -> ClusterState {
        var state = state
        var endpoint = state.endpointSlices[0].endpoints[0]
        endpoint.addressText = "10.244.9.99"
        endpoint.address = IPAddress("10.244.9.99")!
        endpoint.targetPod = nil
        state.endpointSlices[0].endpoints.append(endpoint)
        return state
    }

    /// The kernel state a fresh apply of `rulesets` produces.
    static func freshDump(_ rulesets: [Ruleset]) throws -> String {
        let kernel = FakeKernel()
        _ = try NetfilterApplier().apply(rulesets, connection: kernel)
        return try kernel.rulesDump()
    }

    @Test func reapplyingTheSameStateCommitsNothing() throws {
        let kernel = FakeKernel()
        let rulesets = FakeFixtures.services(try FakeFixtures.state("upstream-overall-scenario"))
        #expect(try NetfilterApplier().apply(rulesets, connection: kernel).outcome == .applied)
        #expect(try NetfilterApplier().apply(rulesets, connection: kernel).outcome == .unchangedSinceLastApply)
        let readBack = try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true)).apply(rulesets, connection: kernel)
        #expect(readBack.outcome == .unchangedAfterReadBack)
        #expect(kernel.commits == 1)
    }

    @Test func oneMoreEndpointRewritesOnlyItsServiceChain() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NetfilterApplier().apply(FakeFixtures.services(state), connection: kernel)
        let before = try kernel.rulesDump()
        let changed = FakeFixtures.services(Self.withOneMoreEndpoint(state))

        let report = try NetfilterApplier().apply(changed, connection: kernel)
        #expect(report.outcome == .applied)
        let transaction = try #require(kernel.lastTransaction)
        // One new endpoint chain; nothing flushed, nothing deleted but stale rules.
        #expect(report.chainsCreated == 1)
        #expect(report.chainsDeleted == 0)
        #expect(transaction.counts[.flushChain] == nil)
        #expect(transaction.counts[.deleteChain] == nil)
        // Only the Service's chain and the new endpoint chain get rules.
        var touched = Set<String>()
        for operation in transaction.operations {
            switch operation {
            case .addRule(let chain, _, _), .appendRules(let chain, _), .deleteRule(let chain, _): touched.insert("\(chain.name)")
            default: break
            }
        }
        #expect(touched.count == 2, "touched \(touched.sorted())")
        #expect(touched.contains { $0.hasPrefix("KUBE-SVC-") || $0.hasPrefix("KUBE-SVL-") })
        #expect(touched.contains { $0.hasPrefix("KUBE-SEP-") })
        #expect(report.rulesWritten < 10)
        // The result is exactly what a fresh apply of the new state gives (the new chain was
        // created last, so compare chains by name).
        let after = try kernel.rulesDump()
        #expect(after != before)
        #expect(Self.chainsSorted(after) == Self.chainsSorted(try Self.freshDump(changed)))
    }

    @Test func onlyChainsWhoseDigestChangedAreRead() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        let rulesets = FakeFixtures.services(state)
        _ = try NetfilterApplier().apply(rulesets, connection: kernel)
        let owned = try kernel.chains(family: .ipv4).filter { $0.comment == Ownership.chainComment && $0.base == nil }.count
        let base = try kernel.chains(family: .ipv4).filter { $0.base != nil }.count

        // Nobody else committed: of the regular chains only the changed Service chain is read.
        var reads = kernel.chainsRead.count
        _ = try NetfilterApplier().apply(FakeFixtures.services(Self.withOneMoreEndpoint(state)), connection: kernel)
        let regularReads = kernel.chainsRead[reads...].filter { read in !["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"].contains("\(read.name)") }
        #expect(regularReads.count == 1, "read \(regularReads.map(\.name))")
        // Plus the built-in chains, read by name (the missing ones too).
        #expect(kernel.chainsRead.count - reads <= 7 + 1)
        #expect(kernel.chainsRead.count - reads >= base + 1)

        // After someone else's commit the digests prove nothing: every owned chain is read.
        try FakeFixtures.addForeignObjects(to: kernel)
        reads = kernel.chainsRead.count
        let result = try NetfilterApplier().apply(rulesets, connection: kernel)
        #expect(result.outcome == .applied)
        #expect(kernel.chainsRead.count - reads >= owned)
        #expect(Self.chainsSorted(try kernel.rulesDump()).filter { !$0.contains("FOREIGN") && !$0.contains("chain INPUT") }
                    == Self.chainsSorted(try Self.freshDump(rulesets)).filter { !$0.contains("chain INPUT") })
    }

    @Test func aNewServiceInsertsOneDispatchRuleInPlace() throws {
        let kernel = FakeKernel()
        var state = try FakeFixtures.state("clusterip-2-endpoints")
        let full = FakeFixtures.services(state)
        // Apply without the first Service, then with it: its dispatch rule lands at its
        // position in KUBE-SERVICES and nothing already there is rewritten.
        var smaller = state
        let service = smaller.services.removeFirst()
        smaller.endpointSlices.removeAll { $0.serviceName == service.metadata.name && $0.metadata.namespace == service.metadata.namespace }
        _ = try NetfilterApplier().apply(FakeFixtures.services(smaller), connection: kernel)
        let report = try NetfilterApplier().apply(full, connection: kernel)
        #expect(report.outcome == .applied)
        #expect(report.rulesDeleted == 0)
        #expect(Self.chainsSorted(try kernel.rulesDump()) == Self.chainsSorted(try Self.freshDump(full)))
        state = smaller
        // And back: the Service's chains go, nothing else is rewritten.
        let back = try NetfilterApplier().apply(FakeFixtures.services(state), connection: kernel)
        #expect(back.chainsCreated == 0)
        #expect(back.chainsDeleted >= 2)
        #expect(back.rulesWritten == 0)
        #expect(try kernel.rulesDump() == (try Self.freshDump(FakeFixtures.services(state))))
    }

    @Test func everyCaseReachesTheFreshStateFromEveryOther() throws {
        // From each case to the next: the planner's minimal transaction ends where a fresh
        // apply does (chain order aside, which the dump keeps: compare sorted chains).
        let names = SharedCases.names
        let kernel = FakeKernel()
        for name in names {
            let rulesets = FakeFixtures.services(try FakeFixtures.state(name))
            _ = try NetfilterApplier().apply(rulesets, connection: kernel)
            let fresh = try Self.freshDump(rulesets)
            #expect(Self.chainsSorted(try kernel.rulesDump()) == Self.chainsSorted(fresh), "after \(name)")
        }
    }

    /// A dump's chains (each with its rules) in name order.
    static func chainsSorted(_ dump: String) -> [String] {
        var blocks: [String] = []
        for line in dump.split(separator: "\n") {
            if line.hasPrefix("table ") || line.hasPrefix("  chain ") || blocks.isEmpty {
                blocks.append(String(line))
            } else {
                blocks[blocks.count - 1] += "\n" + line
            }
        }
        // Table comments say whether PacketPath created the table, which depends on history.
        return blocks.map { $0.hasPrefix("table ") ? $0.split(separator: " ").prefix(3).joined(separator: " ") : $0 }.sorted()
    }

    @Test func aRefusedRuleInANewChainIsNamedByItsNumber() throws {
        let kernel = FakeKernel()
        var rulesets = FakeFixtures.services(try FakeFixtures.state("clusterip-1-endpoints"))
        let nat = try #require(rulesets[0].tables.firstIndex { $0.name == "nat" })
        rulesets[0].tables[nat].chains.append(Chain("KUBE-NEW", rules: [Rule([], .jump("KUBE-MARK-MASQ")),
                                                                        Rule([], .jump("KUBE-MISSING"))]))
        do {
            _ = try NetfilterApplier().apply(rulesets, connection: kernel)
            Issue.record("a jump to a missing chain was accepted")
        } catch ApplyError.rejected(let objects) {
            #expect(objects.first?.object == "ip nat chain KUBE-NEW rule 2")
            #expect(objects.first?.rule == "-A KUBE-NEW -j KUBE-MISSING")
        }
        #expect(kernel.commits == 0)
    }

    @Test func aDryRunPrintsTheChangesAndSendsNothing() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NetfilterApplier().apply(FakeFixtures.services(state), connection: kernel)
        let before = try kernel.dump()
        let report = try NetfilterApplier(options: ApplyOptions(dryRun: true))
            .apply(FakeFixtures.services(Self.withOneMoreEndpoint(state)), connection: kernel)
        #expect(report.outcome == .dryRun)
        #expect(kernel.commits == 1)
        #expect(try kernel.dump() == before)
        let text = try #require(report.dryRunText)
        #expect(text.hasPrefix("# IPv4 (iptables-restore --noflush)\n*nat\n"))
        #expect(text.contains("\n:KUBE-SEP-"))
        #expect(text.contains("-j DNAT --to-destination 10.244.9.99:"))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("-D KUBE-SVC-") || $0.hasPrefix("-D KUBE-SVL-") })
        #expect(report.operations[.addChain] == 1)
        #expect(report.operations[.addRule] == report.rulesWritten)
    }
}
