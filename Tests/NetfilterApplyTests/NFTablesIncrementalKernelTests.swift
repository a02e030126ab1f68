import ClusterState
import Foundation
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// Incremental apply of the nftables layout into real namespaces. NEEDS ROOT: skipped
/// otherwise (and failing when PACKETPATH_REQUIRE_PRIVILEGED=1 demands privileges).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTablesIncrementalKernelTests {
    static func apply(_ programs: [NFTablesProgram], in scratch: ScratchNamespace,
                      options: ApplyOptions = ApplyOptions()) throws -> ApplyReport {
        try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            try NFTablesApplier(options: options).apply(programs, connection: NetlinkConnection(socket))
        }
    }

    /// `nft list ruleset` with each table's top-level blocks (chains, sets, maps) in name order:
    /// nft lists them in creation order, and a chain added by a later apply comes last.
    static func blocksSorted(_ listing: String) -> String {
        var out: [String] = []
        var blocks: [String] = []
        var current: [Substring] = []
        for line in listing.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\t\t") || (line.hasPrefix("\t}") && !current.isEmpty) {
                current.append(line)
                if line == "\t}" {
                    blocks.append(current.joined(separator: "\n"))
                    current = []
                }
            } else if line.hasPrefix("\t") && line.hasSuffix("{") {
                current = [line]
            } else {
                if line == "}" { out += blocks.sorted(); blocks = [] }
                if !line.isEmpty { out.append(String(line)) }
            }
        }
        return out.joined(separator: "\n")
    }

    @Test func incrementalAppliesEndWhereAFreshApplyDoes() throws {
        let scratch = try ScratchNamespace(tag: "nfti")
        defer { scratch.remove() }
        let base = try FakeFixtures.state("upstream-overall-scenario")
        let sequence = [
            base,
            NFTablesIncrementalFakeTests.withOneMoreService(base),
            NFTablesIncrementalFakeTests.withOneMoreEndpoint(NFTablesIncrementalFakeTests.withOneMoreService(base)),
            NFTablesIncrementalFakeTests.withOneMoreEndpoint(base),
        ]
        let full = try Self.apply(try NFTablesIncrementalFakeTests.programs(sequence[0]), in: scratch)
        for state in sequence.dropFirst() {
            let report = try Self.apply(try NFTablesIncrementalFakeTests.programs(state), in: scratch)
            #expect(report.outcome == .applied)
            #expect(report.operations[.deleteTable] == nil, "changed in place, not replaced")
            #expect(report.messages * 3 < full.messages, "sent \(report.messages) messages (a full apply: \(full.messages))")
        }
        let final = try NFTablesIncrementalFakeTests.programs(sequence.last!)
        // Read back over netlink, the kernel holds exactly the final state.
        let again = try Self.apply(final, in: scratch, options: ApplyOptions(alwaysReadBack: true))
        #expect(again.outcome == .unchangedAfterReadBack)
        let fresh = try ScratchNamespace(tag: "nftf")
        defer { fresh.remove() }
        _ = try Self.apply(final, in: fresh)
        let listed = try scratch.output(["nft", "list", "table", "ip", "kube-proxy"])
        let expected = try fresh.output(["nft", "list", "table", "ip", "kube-proxy"])
        #expect(Self.blocksSorted(listed) == Self.blocksSorted(expected), "\(firstDifference(Self.blocksSorted(listed), Self.blocksSorted(expected)))")
    }

    @Test func everyCaseFollowsTheLastOneInOneNamespace() throws {
        let scratch = try ScratchNamespace(tag: "nftseq")
        defer { scratch.remove() }
        for name in SharedCases.names {
            let programs = try NFTablesIncrementalFakeTests.programs(try FakeFixtures.state(name))
            _ = try Self.apply(programs, in: scratch)
            let fresh = try ScratchNamespace(tag: "nftsf")
            defer { fresh.remove() }
            _ = try Self.apply(programs, in: fresh)
            let listed = Self.blocksSorted(try scratch.ruleset())
            let expected = Self.blocksSorted(try fresh.ruleset())
            #expect(listed == expected, "after \(name): \(firstDifference(listed, expected))")
            #expect(try Self.apply(programs, in: scratch, options: ApplyOptions(alwaysReadBack: true)).outcome
                        == .unchangedAfterReadBack, "after \(name) the read-back must equal the state")
        }
    }

    @Test func aRefusedChangeLeavesTheRulesetByteIdentical() throws {
        let scratch = try ScratchNamespace(tag: "nftrej")
        defer { scratch.remove() }
        let base = try FakeFixtures.state("upstream-overall-scenario")
        _ = try Self.apply(try NFTablesIncrementalFakeTests.programs(NFTablesIncrementalFakeTests.withOneMoreService(base)), in: scratch)
        let before = try scratch.ruleset()
        // Map elements deleted, chains flushed and refilled, then a rule the kernel refuses
        // (a jump to a missing chain) in the middle of the batch: nothing of it may stay.
        let bad = try NFTablesIncrementalFakeTests.withARefusedRule(
            try NFTablesIncrementalFakeTests.programs(NFTablesIncrementalFakeTests.withOneMoreEndpoint(base)))
        #expect {
            _ = try Self.apply(bad, in: scratch)
        } throws: { error in
            guard case ApplyError.rejected(let objects) = error else { return false }
            return objects.contains { $0.object.hasPrefix("rule ") }
        }
        #expect(try scratch.ruleset() == before)
    }

    @Test func aForeignCommitBetweenReadAndCommitIsRetried() throws {
        let scratch = try ScratchNamespace(tag: "nftrace")
        defer { scratch.remove() }
        let base = try FakeFixtures.state("upstream-overall-scenario")
        _ = try Self.apply(try NFTablesIncrementalFakeTests.programs(base), in: scratch)
        let seen = ProgressLog()
        let options = ApplyOptions(progress: { step in
            seen.append(step)
            guard case .readingKernel = step, seen.steps.filter({ if case .readingKernel = $0 { true } else { false } }).count == 1 else { return }
            _ = try? scratch.output(["nft", "add", "table", "ip", "other"])
        })
        let changed = try NFTablesIncrementalFakeTests.programs(NFTablesIncrementalFakeTests.withOneMoreEndpoint(base))
        #expect(try Self.apply(changed, in: scratch, options: options).outcome == .applied)
        let readings = seen.steps.filter { if case .readingKernel = $0 { true } else { false } }
        #expect(readings.count == 2, "the first commit should have been refused (ERESTART) and re-planned")
        #expect(try scratch.output(["nft", "list", "tables"]).contains("table ip other"))
        #expect(try Self.apply(changed, in: scratch, options: ApplyOptions(alwaysReadBack: true)).outcome == .unchangedAfterReadBack)
    }

    @Test func twoAppliersRacingNeverInterleave() throws {
        let scratch = try ScratchNamespace(tag: "nft2")
        defer { scratch.remove() }
        let base = try FakeFixtures.state("upstream-overall-scenario")
        _ = try Self.apply(try NFTablesIncrementalFakeTests.programs(base), in: scratch)
        let states = [NFTablesIncrementalFakeTests.withOneMoreEndpoint(base), NFTablesIncrementalFakeTests.withOneMoreService(base)]
        let programs = try states.map { try NFTablesIncrementalFakeTests.programs($0) }
        let outcomes = ResultLog()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            for _ in 0..<5 {
                do {
                    _ = try Self.apply(programs[index], in: scratch)
                    outcomes.append(index, nil)
                } catch {
                    outcomes.append(index, "\(error)")
                }
            }
        }
        for (_, error) in outcomes.entries { if let error { #expect(error.contains("kept changing"), "\(error)") } }
        // Whoever committed last, the table is exactly one of the two states, never a mix.
        let listed = Self.blocksSorted(try scratch.output(["nft", "list", "table", "ip", "kube-proxy"]))
        var references: [String] = []
        for program in programs {
            let fresh = try ScratchNamespace(tag: "nft2f")
            defer { fresh.remove() }
            _ = try Self.apply(program, in: fresh)
            references.append(Self.blocksSorted(try fresh.output(["nft", "list", "table", "ip", "kube-proxy"])))
        }
        #expect(references.contains(listed))
    }
}

/// Results of concurrent appliers.
final class ResultLog: @unchecked Sendable {
    private var log: [(Int, String?)] = []
    private let lock = NSLockLike()

    func append(_ index: Int, _ error: String?) { lock.locked { log.append((index, error)) } }
    var entries: [(Int, String?)] { lock.locked { log } }
}
