import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import NFTablesEncoding
import Testing
import TestSupport

/// ROOT TESTS: a staged apply against the real kernel. Without the privileges the suite is
/// reported as SKIPPED (not passed); PACKETPATH_REQUIRE_PRIVILEGED=1 makes it fail instead.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTablesStagingKernelTests {
    /// Someone else's tables at the same hooks, which every outcome must leave alone.
    static let foreign = """
        table ip filter {
        	chain input {
        		type filter hook input priority filter; policy accept;
        		tcp dport 22 counter accept
        	}
        }
        table ip nat {
        	chain prerouting {
        		type nat hook prerouting priority dstnat; policy accept;
        		tcp dport 8080 counter
        	}
        }
        """

    static let limits = NFTablesStaging.Limits(messages: 40, anonymousSets: 2)

    static func apply(_ programs: [NFTablesProgram], in scratch: ScratchNamespace, failing: Int? = nil) throws -> ApplyReport {
        try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            try NFTablesApplier(staging: limits).apply(programs, connection: StagingProbe(NetlinkConnection(socket), failing: failing))
        }
    }

    static func prepared(_ tag: String) throws -> ScratchNamespace {
        let scratch = try ScratchNamespace(tag: tag)
        _ = try scratch.output(["nft", "-f", "-"], input: Array(foreign.utf8))
        return scratch
    }

    @Test func aStagedApplyListsAsOneTransactionDoes() throws {
        let programs = try StagingFixtures.shopPrograms()
        let whole = try Self.prepared("nfts")
        defer { whole.remove() }
        _ = try NetfilterSocket.withSocket(in: whole.namespace) { socket in
            try NFTablesApplier().apply(programs, connection: NetlinkConnection(socket))
        }
        let staged = try Self.prepared("nfts")
        defer { staged.remove() }
        let report = try Self.apply(programs, in: staged)
        #expect(report.transactions > 3)
        #expect(try staged.ruleset() == whole.ruleset())
        #expect(try Self.apply(programs, in: staged).outcome == .unchangedSinceLastApply)
    }

    @Test func aFailureAtAnyTransactionLeavesTheRulesetByteIdentical() throws {
        let programs = try StagingFixtures.shopPrograms()
        let count = try NFTablesApplier(staging: Self.limits).apply(programs, connection: FakeKernel()).transactions
        #expect(count > 3)
        let scratch = try Self.prepared("nftu")
        defer { scratch.remove() }
        let before = try scratch.ruleset()
        for failing in 0..<count {
            #expect(throws: ApplyError.self, "commit \(failing) refused") { try Self.apply(programs, in: scratch, failing: failing) }
            #expect(try scratch.ruleset() == before, "refused at commit \(failing) of \(count)")
        }
    }

    @Test func theKernelRefusingAStagedOrTheFinalTransactionLeavesTheRulesetByteIdentical() throws {
        let scratch = try Self.prepared("nftk")
        defer { scratch.remove() }
        let before = try scratch.ruleset()
        let programs = try StagingFixtures.shopPrograms()
        let jumpNowhere = [Expression.immediate(Immediate(verdict: .jump("no-such-chain")))]
        // A regular chain's rule (staged) and a base chain's rule (final) the kernel refuses.
        for chain in ["services", "nat-prerouting"] {
            var broken = programs
            let position = try #require(broken[0].rules.firstIndex { $0.chain.description == chain })
            var rule = broken[0].rules[position]
            rule.expressions = jumpNowhere
            rule.userData = nil
            rule.anonymousSets = []
            broken[0].rules.insert(rule, at: position)
            #expect {
                _ = try Self.apply(broken, in: scratch)
            } throws: { error in
                guard case ApplyError.rejected(let objects) = error else { return false }
                return objects.contains { $0.object.contains("chain \(chain)") }
            }
            #expect(try scratch.ruleset() == before, "after a refused rule in \(chain)")
        }
    }
}
