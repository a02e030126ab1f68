import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import PacketPath
import RuleModel
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Incremental apply, reset and the generation guard against the real kernel. NEEDS ROOT:
/// skipped otherwise (and failing when PACKETPATH_REQUIRE_PRIVILEGED=1 demands privileges).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct IncrementalKernelTests {
    static let foreignIPv6: [UInt8] = Array("""
        *filter
        :FOREIGN6 - [0:0]
        -A INPUT -s 2001:db8::1/128 -j DROP
        -A FOREIGN6 -p tcp -m tcp --dport 22 -j ACCEPT
        COMMIT

        """.utf8)

    /// Each chain's rules in order, from iptables-save text (chain order aside).
    static func rulesByChain(_ save: String) -> [String: [String]] {
        var chains: [String: [String]] = [:]
        for line in save.split(separator: "\n") where line.hasPrefix(":") || line.hasPrefix("-A ") {
            let name = line.hasPrefix(":") ? String(line.dropFirst().prefix { $0 != " " }) : String(line.dropFirst(3).prefix { $0 != " " })
            if line.hasPrefix(":") { chains[name, default: []] = chains[name] ?? [] } else { chains[name, default: []].append(String(line)) }
        }
        return chains
    }

    @Test func oneMoreEndpointSendsOnlyItsChangesAndEqualsAFreshApply() throws {
        let incremental = try ScratchNamespace(tag: "incr")
        defer { incremental.remove() }
        let fresh = try ScratchNamespace(tag: "fresh")
        defer { fresh.remove() }
        let state = try FakeFixtures.state("upstream-overall-scenario")
        let full = try NetfilterApplier().apply(FakeFixtures.services(state), into: incremental.namespace)
        let changed = FakeFixtures.services(IncrementalApplyTests.withOneMoreEndpoint(state))

        let report = try NetfilterApplier().apply(changed, into: incremental.namespace)
        #expect(report.outcome == .applied)
        #expect(report.chainsCreated == 1)
        #expect(report.messages < 30, "sent \(report.messages) messages")
        #expect(report.messages * 5 < full.messages)
        _ = try NetfilterApplier().apply(changed, into: fresh.namespace)
        #expect(Self.rulesByChain(try incremental.save()) == Self.rulesByChain(try fresh.save()))
    }

    @Test func theJumpsGoBackAheadOfARuleInsertedBeforeThem() throws {
        let scratch = try ScratchNamespace(tag: "jumps")
        defer { scratch.remove() }
        let rulesets = FakeFixtures.services(try FakeFixtures.state("upstream-overall-scenario"))
        _ = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
        let ours = try scratch.save().split(separator: "\n").filter { $0.hasPrefix("-A PREROUTING ") }.map(String.init)
        #expect(!ours.isEmpty)
        _ = try scratch.output(["iptables", "-t", "nat", "-I", "PREROUTING", "1", "-s", "192.0.2.1/32", "-j", "ACCEPT"])
        let foreign = "-A PREROUTING -s 192.0.2.1/32 -j ACCEPT"
        #expect(try scratch.save().split(separator: "\n").first { $0.hasPrefix("-A PREROUTING ") }.map(String.init) == foreign)

        let report = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
        #expect(report.outcome == .applied)
        let prerouting = try scratch.save().split(separator: "\n").filter { $0.hasPrefix("-A PREROUTING ") }.map(String.init)
        #expect(prerouting == ours + [foreign])
    }

    @Test func aForeignRestoreBetweenReadAndCommitIsRetried() throws {
        let scratch = try ScratchNamespace(tag: "race")
        defer { scratch.remove() }
        let rulesets = FakeFixtures.services(try FakeFixtures.state("upstream-overall-scenario"))
        let seen = ProgressLog()
        let options = ApplyOptions(progress: { step in
            seen.append(step)
            // Once the kernel was read for the first time, another program commits.
            guard case .readingKernel = step, seen.steps.filter({ if case .readingKernel = $0 { true } else { false } }).count == 1 else { return }
            _ = try? scratch.output(["iptables-restore", "--noflush"], input: ApplyBehaviourTests.foreignSetup)
        })
        let report = try NetfilterApplier(options: options).apply(rulesets, into: scratch.namespace)
        #expect(report.outcome == .applied)
        let readings = seen.steps.filter { if case .readingKernel = $0 { true } else { false } }
        #expect(readings.count == 2, "the first commit should have been refused (ERESTART) and re-planned")
        #expect(seen.steps.filter { $0 == .committed }.count == 1)
        let save = try scratch.save()
        #expect(save.contains("-A FOREIGN -p udp -m udp --dport 9999 -j ACCEPT"))
        #expect(save.contains(":KUBE-SERVICES"))
        // And the state now is exactly the desired one.
        #expect(try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true)).apply(rulesets, into: scratch.namespace).outcome
                    == .unchangedAfterReadBack)
    }

    @Test func resetLeavesTheNamespaceAsItWasBeforeTheFirstApply() throws {
        let scratch = try ScratchNamespace(tag: "reset")
        defer { scratch.remove() }
        _ = try scratch.output(["iptables-restore", "--noflush"], input: ApplyBehaviourTests.foreignSetup)
        _ = try scratch.output(["ip6tables-restore", "--noflush"], input: Self.foreignIPv6)
        _ = try scratch.output(["nft", "-f", "-"], input: ApplyBehaviourTests.foreignTable)
        let before = (try scratch.save(), try scratch.save(ipv6: true), try scratch.ruleset())

        _ = try NetfilterApplier().apply(try FakeFixtures.dualStack(), into: scratch.namespace)
        #expect(try scratch.save(ipv6: true).contains(":KUBE-SERVICES"))
        let report = try NetfilterApplier().reset(scratch.namespace)
        #expect(report.outcome == .applied)
        #expect(try scratch.save() == before.0)
        #expect(try scratch.save(ipv6: true) == before.1)
        #expect(try scratch.ruleset() == before.2)
        #expect(try NetfilterApplier().reset(scratch.namespace).outcome == .nothingOwned)
    }

    @Test func resetOfAFreshApplyLeavesNothing() throws {
        let scratch = try ScratchNamespace(tag: "reset0")
        defer { scratch.remove() }
        _ = try NetfilterApplier().apply(try FakeFixtures.dualStack(), into: scratch.namespace)
        _ = try NetfilterApplier().reset(scratch.namespace)
        #expect(try scratch.ruleset().isEmpty)
    }

    @Test func anIPv4OnlyApplyRemovesTheIPv6Rules() throws {
        let scratch = try ScratchNamespace(tag: "v4only")
        defer { scratch.remove() }
        _ = try scratch.output(["ip6tables-restore", "--noflush"], input: Self.foreignIPv6)
        let foreign6 = try scratch.save(ipv6: true)
        let both = try FakeFixtures.dualStack()
        _ = try NetfilterApplier().apply(both, into: scratch.namespace)
        #expect(try scratch.save(ipv6: true).contains("-j KUBE-"))

        let report = try NetfilterApplier().apply(both.filter { $0.family == .ipv4 }, into: scratch.namespace)
        #expect(report.outcome == .applied)
        #expect(try scratch.save(ipv6: true) == foreign6)
        #expect(!(try scratch.ruleset()).contains("table ip6 packetpath"))
        #expect(try scratch.save().contains(":KUBE-SERVICES"))
    }

    @Test func foreignChainsInTheWayAreNamed() throws {
        let scratch = try ScratchNamespace(tag: "blocked")
        defer { scratch.remove() }
        let state = try FakeFixtures.state("clusterip-1-endpoints")
        // A chain of PacketPath's name that PacketPath did not create.
        _ = try scratch.output(["iptables", "-t", "nat", "-N", "KUBE-MARK-MASQ"])
        #expect {
            try NetfilterApplier().apply(FakeFixtures.services(state), into: scratch.namespace)
        } throws: { error in
            "\(error)".contains("ip nat chain KUBE-MARK-MASQ exists and is not PacketPath's")
        }
        _ = try scratch.output(["iptables", "-t", "nat", "-X", "KUBE-MARK-MASQ"])

        // A foreign rule jumping to a chain PacketPath no longer wants: EBUSY names the rule.
        _ = try NetfilterApplier().apply(FakeFixtures.services(state), into: scratch.namespace)
        let service = try #require(try scratch.save().split(separator: "\n").first { $0.hasPrefix(":KUBE-SVC-") })
            .dropFirst().prefix { $0 != " " }
        _ = try scratch.output(["iptables", "-t", "nat", "-N", "FOREIGN"])
        _ = try scratch.output(["iptables", "-t", "nat", "-A", "FOREIGN", "-j", String(service)])
        let before = try scratch.ruleset()
        var empty = state
        empty.services = []
        empty.endpointSlices = []
        do {
            _ = try NetfilterApplier().apply(FakeFixtures.services(empty), into: scratch.namespace)
            Issue.record("a chain still jumped to was deleted")
        } catch ApplyError.rejected(let objects) {
            let object = try #require(objects.first)
            #expect(object.errno == EBUSY)
            #expect(object.reason.contains("still referenced by ip nat chain FOREIGN rule 1: -A FOREIGN -j \(service)"),
                    "\(object)")
        }
        #expect(try scratch.ruleset() == before)
    }

    @Test func everyCaseFollowsTheLastOneInOneNamespace() throws {
        // Case after case into one namespace: each minimal transaction ends where a fresh
        // apply of the same case does, in the real kernel (handles and positions included).
        let scratch = try ScratchNamespace(tag: "seq")
        defer { scratch.remove() }
        for name in SharedCases.names {
            let rulesets = FakeFixtures.services(try FakeFixtures.state(name))
            _ = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
            let fresh = try ScratchNamespace(tag: "seqf")
            defer { fresh.remove() }
            _ = try NetfilterApplier().apply(rulesets, into: fresh.namespace)
            for ipv6 in [false, true] {
                #expect(Self.rulesByChain(try scratch.save(ipv6: ipv6)) == Self.rulesByChain(try fresh.save(ipv6: ipv6)),
                        "after \(name), \(ipv6 ? "IPv6" : "IPv4")")
            }
        }
    }
}
