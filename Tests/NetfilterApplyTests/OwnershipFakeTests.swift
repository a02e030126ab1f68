import ClusterState
import NetfilterApply
import NetfilterNetlink
import PacketPath
import RuleModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Ownership of every family, reset, foreign chains and concurrent writers, against the
/// in-memory kernel.
struct OwnershipFakeTests {
    @Test func anIPv4OnlyApplyAfterADualStackOneEmptiesIPv6() throws {
        let kernel = FakeKernel()
        let both = try FakeFixtures.dualStack()
        _ = try NetfilterApplier().apply(both, connection: kernel)
        #expect(try kernel.chains(family: .ipv6).contains { $0.name == "KUBE-SERVICES" })

        let report = try NetfilterApplier().apply(both.filter { $0.family == .ipv4 }, connection: kernel)
        #expect(report.outcome == .applied)
        // PacketPath created the ip6 tables, so nothing of them is left; ip is untouched.
        #expect(try kernel.tables(family: .ipv6).isEmpty)
        #expect(try kernel.chains(family: .ipv4).contains { $0.name == "KUBE-SERVICES" })
        // An empty input then empties IPv4 as well.
        _ = try NetfilterApplier().apply([], connection: kernel)
        #expect(try kernel.tables(family: .ipv4).isEmpty)
    }

    @Test func resetLeavesExactlyWhatWasThereBefore() throws {
        let kernel = FakeKernel()
        try FakeFixtures.addForeignObjects(to: kernel)
        let before = try kernel.dump()
        _ = try NetfilterApplier().apply(try FakeFixtures.dualStack(), connection: kernel)
        #expect(try kernel.dump() != before)

        let report = try NetfilterApplier().reset(connection: kernel)
        #expect(report.outcome == .applied)
        #expect(report.chainsDeleted > 20)
        #expect(try kernel.dump() == before)
        // Nothing left to reset.
        #expect(try NetfilterApplier().reset(connection: kernel).outcome == .nothingOwned)
    }

    @Test func aForeignChainWithAPacketPathNameIsNamed() throws {
        let kernel = FakeKernel()
        let nat = TableKey(.ipv4, "nat")
        try kernel.commitForeign([.addTable(nat, comment: nil), .addChain(ChainKey(nat, "KUBE-SERVICES"), base: nil, comment: nil)])
        let before = try kernel.dump()
        #expect {
            try NetfilterApplier().apply(FakeFixtures.services(try FakeFixtures.state("clusterip-1-endpoints")), connection: kernel)
        } throws: { error in
            guard case ApplyError.foreignChain(let family, let table, let chain) = error else { return false }
            return family == "ip" && table == "nat" && chain == "KUBE-SERVICES" && "\(error)".contains("ip nat chain KUBE-SERVICES")
        }
        #expect(try kernel.dump() == before)
    }

    @Test func aForeignChainThePlanCannotSeeIsStillNamed() throws {
        // The foreign chain exists before PacketPath's last commit, so the next plan works
        // from the digest record and never lists it: the exclusive create catches it.
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("clusterip-1-endpoints")
        var without = state
        without.services = []
        without.endpointSlices = []
        let wanted = FakeFixtures.services(state)
        let service = try #require(wanted[0].tables.flatMap(\.chains).first { "\($0.name)".hasPrefix("KUBE-SVC-") })
        try kernel.commitForeign([.addTable(TableKey(.ipv4, "nat"), comment: nil),
                                  .addChain(ChainKey(TableKey(.ipv4, "nat"), ObjectName("\(service.name)")), base: nil, comment: nil)])
        _ = try NetfilterApplier().apply(FakeFixtures.services(without), connection: kernel)
        let before = try kernel.dump()
        #expect {
            try NetfilterApplier().apply(wanted, connection: kernel)
        } throws: { error in
            "\(error)".contains("ip nat chain \(service.name) exists and is not PacketPath's")
        }
        #expect(try kernel.dump() == before)
    }

    @Test func aForeignRuleKeepingAStaleChainAliveIsNamed() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("clusterip-1-endpoints")
        _ = try NetfilterApplier().apply(FakeFixtures.services(state), connection: kernel)
        let nat = TableKey(.ipv4, "nat")
        let service = try #require(try kernel.chains(family: .ipv4).first { "\($0.name)".hasPrefix("KUBE-SVC-") })
        try kernel.commitForeign([
            .addChain(ChainKey(nat, "FOREIGN"), base: nil, comment: nil),
            .addRule(ChainKey(nat, "FOREIGN"), .expressions([.immediate(Immediate(verdict: .jump(service.name)))], compat: nil), .append),
        ])
        let before = try kernel.dump()
        var empty = state
        empty.services = []
        empty.endpointSlices = []
        do {
            _ = try NetfilterApplier().apply(FakeFixtures.services(empty), connection: kernel)
            Issue.record("a chain still jumped to was deleted")
        } catch ApplyError.rejected(let objects) {
            let object = try #require(objects.first)
            #expect(object.errno == EBUSY)
            #expect(object.object == "ip nat chain \(service.name) (deleting it)")
            #expect(object.reason.contains("still referenced by ip nat chain FOREIGN rule 1: -A FOREIGN -j \(service.name)"))
        }
        #expect(try kernel.dump() == before)
    }

    @Test func aWriterBetweenPlanAndCommitMakesItPlanAgain() throws {
        let kernel = FakeKernel()
        let rulesets = FakeFixtures.services(try FakeFixtures.state("upstream-overall-scenario"))
        kernel.beforeNextCommit = { kernel in try FakeFixtures.addForeignObjects(to: kernel) }
        let report = try NetfilterApplier().apply(rulesets, connection: kernel)
        #expect(report.outcome == .applied)
        #expect(kernel.commits == 1)
        // Planned again on the new generation: the foreign objects stay, ours are complete.
        #expect(try kernel.chains(family: .ipv4).contains { $0.name == "FOREIGN" })
        #expect(try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true)).apply(rulesets, connection: kernel).outcome
                    == .unchangedAfterReadBack)
    }

    @Test func aWriterThatNeverStopsIsAClearError() throws {
        let kernel = FakeKernel()
        let rulesets = FakeFixtures.services(try FakeFixtures.state("clusterip-1-endpoints"))
        var writes = 0
        func interfere(_ kernel: FakeKernel) throws {
            writes += 1
            try kernel.commitForeign([.addTable(TableKey(.ipv4, ObjectName("other\(writes)")), comment: nil)])
            kernel.beforeNextCommit = interfere
        }
        kernel.beforeNextCommit = interfere
        #expect {
            try NetfilterApplier().apply(rulesets, connection: kernel)
        } throws: { error in
            guard case ApplyError.concurrentChanges(let attempts) = error else { return false }
            return attempts == writes && "\(error)".contains("nothing was changed")
        }
        #expect(kernel.commits == 0)
    }
}

/// The jump rules' documented place: the head of their built-in chain, in order.
struct JumpPlaceFakeTests {
    @Test func aForeignRuleInsertedAheadOfTheJumpsMovesThemBackToTheHead() throws {
        let kernel = FakeKernel()
        let rulesets = FakeFixtures.services(try FakeFixtures.state("upstream-overall-scenario"))
        _ = try NetfilterApplier().apply(rulesets, connection: kernel)
        let prerouting = ChainKey(TableKey(.ipv4, "nat"), "PREROUTING")
        let ours = try kernel.rules(of: prerouting).map(\.expressions)
        #expect(!ours.isEmpty)
        // Another program inserts a rule at the head, as `iptables -t nat -I PREROUTING` does.
        let foreign: [Expression] = [.counter(Counter()), .immediate(Immediate(verdict: .accept))]
        try kernel.commitForeign([.addRule(prerouting, .expressions(foreign, compat: nil), .prepend)])
        #expect(try kernel.rules(of: prerouting).first?.expressions == foreign)

        let report = try NetfilterApplier().apply(rulesets, connection: kernel)
        #expect(report.outcome == .applied)
        // Ours are first again, in order; the foreign rule stays, after them.
        #expect(try kernel.rules(of: prerouting).map(\.expressions) == ours + [foreign])
        // Only that chain's jumps were renewed.
        #expect(report.rulesDeleted == ours.count && report.rulesWritten == ours.count)
        // And in place they stay in place: nothing more to do.
        let again = try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true)).apply(rulesets, connection: kernel)
        #expect(again.outcome == .unchangedAfterReadBack)
    }

    @Test func aForeignRuleAfterTheJumpsIsLeftWhereItIs() throws {
        let kernel = FakeKernel()
        let rulesets = FakeFixtures.services(try FakeFixtures.state("upstream-overall-scenario"))
        _ = try NetfilterApplier().apply(rulesets, connection: kernel)
        let output = ChainKey(TableKey(.ipv4, "nat"), "OUTPUT")
        let foreign: [Expression] = [.counter(Counter()), .immediate(Immediate(verdict: .accept))]
        try kernel.commitForeign([.addRule(output, .expressions(foreign, compat: nil), .append)])
        let report = try NetfilterApplier().apply(rulesets, connection: kernel)
        #expect(report.outcome == .unchangedAfterReadBack)
        #expect(try kernel.rules(of: output).last?.expressions == foreign)
    }
}
