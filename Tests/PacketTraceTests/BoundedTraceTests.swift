import Foundation
import NetworkAddresses
import PacketPath
import PacketTrace
import RuleModel
import Testing

/// Dumps whose paths multiply: identical outcomes merge, what cannot merge is bounded, and a
/// jump loop is refused as the kernel refuses it.
@Suite struct BoundedTraceTests {
    static let request = TraceRequest(source: .address(IPAddress("10.0.0.5")!), destination: IPAddress("10.0.0.9")!,
                                      proto: .tcp, destinationPort: 80)

    /// A filter table whose FORWARD chain enters C0, with `levels` chains C0…C(n-1) each built by `rules`.
    static func dump(levels: Int, _ rules: (Int) -> [String]) -> String {
        var lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
        lines += (0...levels).map { ":C\($0) - [0:0]" }
        lines.append("-A FORWARD -j C0")
        for level in 0..<levels { lines += rules(level).map { "-A C\(level) " + $0 } }
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }

    static func trace(_ text: String, limits: TraceLimits = TraceLimits()) throws -> TraceResult {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pp-bounded-\(UUID().uuidString).txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let side = try SideLoader(liveReader: nil).load(.paths([path]))
        return try Review.trace(side, request, nodeAddresses: [IPPrefix("192.168.0.2/24")!], limits: limits)
    }

    /// A side without rules of the packet's family (an empty namespace, a v4-only dump) is
    /// traced as the kernel treats it: nothing filters, the packet is forwarded, and a note says why.
    @Test func noRulesOfTheFamilyForwardsWithANote() throws {
        let result = try Self.trace("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")
        #expect(result.outcomes.first?.disposition == .dropped(table: "filter", chain: "FORWARD", rule: nil))
        // An empty table is not a restore payload missing its jump rules: no guess about one.
        #expect(result.notes.contains("no chain holds a rule: only the built-in chains' policies decide"), "\(result.notes)")
        #expect(!result.notes.contains { $0.contains("restore payload") }, "\(result.notes)")
        let ipv6 = TraceRequest(source: .address(IPAddress("fd00::5")!), destination: IPAddress("fd00::9")!,
                                proto: .tcp, destinationPort: 80)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pp-empty-\(UUID().uuidString).txt").path
        try "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let side = try SideLoader(liveReader: nil).load(.paths([path]))
        let untouched = try Review.trace(side, ipv6, nodeAddresses: [IPPrefix("fd00::2/64")!])
        #expect(untouched.outcomes.count == 1)
        #expect(untouched.outcomes.first?.disposition == .forwarded)
        #expect(untouched.notes.contains { $0.hasSuffix("has no IPv6 rules: nothing filters or rewrites the packet") }, "\(untouched.notes)")
        #expect(!untouched.notes.contains { $0.contains("restore payload") || $0.contains("no chain holds") }, "\(untouched.notes)")
    }

    /// Each level goes on to the next level either way: 2^60 paths, one outcome.
    @Test func branchesThatRejoinMerge() throws {
        let result = try Self.trace(Self.dump(levels: 60) { level in
            ["-m statistic --mode random --probability 0.5 -g C\(level + 1)", "-g C\(level + 1)"]
        })
        #expect(result.outcomes.count == 1)
        #expect(result.outcomes.first?.disposition == .forwarded)
        #expect(result.outcomes.first?.probability == .one)
        #expect(result.outcomes.first?.notes.contains { $0.hasPrefix("\(1 << 60) paths end here") } == true)
        #expect(!result.boundHit)
    }

    /// Marks make every path's packet different: nothing merges, so the bound stops the walk,
    /// and what was not explored is one outcome with the rest of the probability.
    @Test func distinctBranchesHitThePathBound() throws {
        let result = try Self.trace(Self.dump(levels: 30) { level in
            ["-m statistic --mode random --probability 0.5 -j MARK --set-xmark 0x\(String(1 << level, radix: 16))/0x\(String(1 << level, radix: 16))",
             "-j C\(level + 1)"]
        }, limits: TraceLimits(maximumPaths: 500))
        #expect(result.boundHit)
        #expect(result.totalProbability == .one)
        let stopped = result.outcomes.filter { $0.disposition == .unresolved("bound hit: not explored further") }
        #expect(stopped.count == 1)
        #expect(result.outcomes.count <= 501)
        #expect(result.notes.contains { $0.hasPrefix("bound hit: the trace stopped after 500 paths") })
        #expect(result.text().contains("note: bound hit:"))
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(json.contains("\"boundHit\":true"))
    }

    /// Jumping twice into the next level doubles the path's length per level: 2^40 rules on one
    /// path, cut at the per-path bound.
    @Test func exponentiallyLongPathHitsTheStepBound() throws {
        let result = try Self.trace(Self.dump(levels: 40) { level in ["-j C\(level + 1)", "-j C\(level + 1)"] },
                                    limits: TraceLimits(maximumStepsPerPath: 1000))
        #expect(result.boundHit)
        #expect(result.outcomes.count == 1)
        #expect(result.outcomes[0].steps.count <= 1000)
        #expect(result.outcomes[0].disposition == .unresolved("bound hit: not explored further"))
    }

    @Test func withinTheBoundsNothingIsSaid() throws {
        let result = try Self.trace(Self.dump(levels: 3) { level in
            ["-m statistic --mode random --probability 0.5 -j MARK --set-xmark 0x\(level + 1)/0xff", "-j C\(level + 1)"]
        })
        #expect(!result.boundHit)
        #expect(result.outcomes.count == 4)
        #expect(result.totalProbability == .one)
        #expect(!result.notes.contains { $0.contains("bound hit") })
    }

    @Test func jumpLoopIsRefusedNamingItsChains() throws {
        let text = Self.dump(levels: 3) { level in level == 2 ? ["-j C1"] : ["-j C\(level + 1)"] }
        let error = #expect(throws: SideError.self) { try Self.trace(text) }
        #expect(error?.description.hasSuffix("the kernel refuses these rules: chains of table filter jump in a loop (C1 -> C2 -> C1)") == true)
    }

    @Test func loopsAreFoundOnlyWhereTheyAre() {
        let table = Table("nat", chains: [
            Chain("A", rules: [Rule([], .jump("B")), Rule([], .jump("C"))]),
            Chain("B", rules: [Rule([], .jump("C"))]),
            Chain("C", rules: [Rule([], .goto("D"))]),
            Chain("D", rules: []),
        ])
        #expect(JumpLoop.find(in: Ruleset(family: .ipv4, tables: [table])) == nil)
        var looped = table
        looped.chains[3].rules = [Rule([.l4Protocol(.udp)], .goto("B"))]
        #expect(JumpLoop.find(in: Ruleset(family: .ipv4, tables: [looped]))?.chains == ["B", "C", "D"])
    }
}
