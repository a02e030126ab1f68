import ClusterState
import TestSupport
import NetfilterApply
import NetfilterNetlink
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import RuleModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Ownership, idempotence, stale chains and rejected batches against a real kernel.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct ApplyBehaviourTests {
    static func rulesets(_ caseName: String, _ edit: (inout ClusterState) -> Void = { _ in }) throws -> [Ruleset] {
        var state = try ManifestLoader.load(paths: [SharedCases.directory + "/\(caseName)/input.yaml"]).state
        edit(&state)
        return Pipeline.compileServices(state, families: Pipeline.defaultFamilies(for: state))
    }

    static let foreignSetup: [UInt8] = Array("""
        *filter
        :FOREIGN - [0:0]
        -A INPUT -s 192.0.2.1/32 -j DROP
        -A FORWARD -j FOREIGN
        -A FOREIGN -p udp -m udp --dport 9999 -j ACCEPT
        COMMIT
        *nat
        :FOREIGN-NAT - [0:0]
        -A POSTROUTING -o lo -j FOREIGN-NAT
        -A FOREIGN-NAT -j RETURN
        COMMIT

        """.utf8)

    static let foreignTable: [UInt8] = Array("""
        table inet other {
            chain input {
                type filter hook input priority 10; policy accept;
                tcp dport 22 accept
            }
        }

        """.utf8)

    func foreignLines(_ save: String) -> [String] {
        save.split(separator: "\n").map(String.init).filter { $0.contains("FOREIGN") || $0.contains("192.0.2.1") }
    }

    @Test func reapplyingTheSameStateSendsNothing() throws {
        let scratch = try ScratchNamespace(tag: "noop")
        defer { scratch.remove() }
        let rulesets = try Self.rulesets("upstream-overall-scenario")
        #expect(try NetfilterApplier().apply(rulesets, into: scratch.namespace).outcome == .applied)
        let before = try scratch.ruleset()
        let generation = try scratch.run { try NetfilterSocket().generation() }

        // Nothing changed since the last commit: decided from the generation alone.
        let second = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
        #expect(second == ApplyReport(outcome: .unchangedSinceLastApply))
        // Reading back and comparing also finds nothing to do.
        let third = try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true)).apply(rulesets, into: scratch.namespace)
        #expect(third == ApplyReport(outcome: .unchangedAfterReadBack))
        #expect(try scratch.run { try NetfilterSocket().generation() } == generation)
        #expect(try scratch.ruleset() == before)
    }

    @Test func foreignObjectsSurviveAndForeignChangesForceAReadBack() throws {
        let scratch = try ScratchNamespace(tag: "foreign")
        defer { scratch.remove() }
        _ = try scratch.output(["iptables-restore", "--noflush"], input: Self.foreignSetup)
        _ = try scratch.output(["nft", "-f", "-"], input: Self.foreignTable)
        let foreignBefore = foreignLines(try scratch.save())
        #expect(foreignBefore.count == 7)
        let otherBefore = try scratch.output(["nft", "list", "table", "inet", "other"])

        let rulesets = try Self.rulesets("upstream-overall-scenario")
        #expect(try NetfilterApplier().apply(rulesets, into: scratch.namespace).outcome == .applied)
        let saved = try scratch.save()
        #expect(foreignLines(saved) == foreignBefore)
        #expect(try scratch.output(["nft", "list", "table", "inet", "other"]) == otherBefore)
        // Our rules are in place next to the foreign ones, and ours come first in INPUT.
        let input = saved.split(separator: "\n").filter { $0.hasPrefix("-A INPUT ") }
        #expect(input.first?.contains("-j KUBE-FIREWALL") == true)
        #expect(input.last == "-A INPUT -s 192.0.2.1/32 -j DROP")

        // Someone else commits: the generation moves, so the next apply reads back, finds
        // PacketPath's state intact and still sends nothing.
        _ = try scratch.output(["nft", "add", "rule", "inet", "other", "input", "udp", "dport", "53", "accept"])
        let generation = try scratch.run { try NetfilterSocket().generation() }
        #expect(try NetfilterApplier().apply(rulesets, into: scratch.namespace).outcome == .unchangedAfterReadBack)
        #expect(try scratch.run { try NetfilterSocket().generation() } == generation)

        // Someone changes one of PacketPath's chains: the read-back notices and restores it.
        _ = try scratch.output(["iptables", "-t", "nat", "-A", "KUBE-MARK-MASQ", "-j", "RETURN"])
        #expect(try NetfilterApplier().apply(rulesets, into: scratch.namespace).outcome == .applied)
        #expect(!(try scratch.save()).contains("-A KUBE-MARK-MASQ -j RETURN"))
        #expect(foreignLines(try scratch.save()) == foreignBefore)
    }

    @Test func chainsNoLongerWantedAreDeleted() throws {
        let scratch = try ScratchNamespace(tag: "stale")
        defer { scratch.remove() }
        _ = try scratch.output(["iptables-restore", "--noflush"], input: Self.foreignSetup)
        let full = try Self.rulesets("upstream-overall-scenario")
        _ = try NetfilterApplier().apply(full, into: scratch.namespace)
        #expect(try scratch.save().contains(":KUBE-SVC-XPGD46QRK7WJZT7O"))

        // Without Services and with localhost NodePorts off: the Service chains and
        // KUBE-FIREWALL (with its jumps from INPUT and OUTPUT) must go.
        let smaller = try Self.rulesets("upstream-overall-scenario") { state in
            state.services = []
            state.endpointSlices = []
            state.settings.localhostNodePorts = false
        }
        let report = try NetfilterApplier().apply(smaller, into: scratch.namespace)
        #expect(report.outcome == .applied)
        #expect(report.chainsDeleted > 10)
        let save = try scratch.save()
        #expect(!save.contains("KUBE-SVC-"))
        #expect(!save.contains("KUBE-SEP-"))
        #expect(!save.contains("KUBE-FIREWALL"))
        #expect(foreignLines(save) == foreignLines(try scratch.save()))
        #expect(foreignLines(save).count == 7)
        // What is left is exactly the empty cluster's layout plus the foreign rules.
        let empty = try SharedCases.read(SharedCases.directory + "/empty/live-iptables-save.txt")
        let ours = withoutBuiltinJumps(save).split(separator: "\n").filter { !$0.contains("FOREIGN") }
        // (localhost NodePorts off: the NodePort dispatch skips 127.0.0.0/8.)
        let reference = empty.split(separator: "\n").filter { !$0.contains("KUBE-FIREWALL") }.map {
            $0.hasPrefix("-A KUBE-SERVICES -m comment") ? "-A KUBE-SERVICES ! -d 127.0.0.0/8 " + $0.dropFirst(17) : $0
        }
        #expect(ours == reference)
    }

    @Test func aRejectedBatchChangesNothingAndNamesTheRule() throws {
        let scratch = try ScratchNamespace(tag: "reject")
        defer { scratch.remove() }
        _ = try scratch.output(["iptables-restore", "--noflush"], input: Self.foreignSetup)
        let good = try Self.rulesets("clusterip-2-endpoints")
        _ = try NetfilterApplier().apply(good, into: scratch.namespace)
        let saveBefore = try scratch.save()
        let nftBefore = try scratch.ruleset()

        // Same state plus a rule jumping to a chain that exists nowhere.
        var bad = try Self.rulesets("upstream-overall-scenario")
        let filter = bad[0].tables.firstIndex { $0.name == "filter" }!
        let services = bad[0].tables[filter].chains.firstIndex { $0.name == "KUBE-SERVICES" }!
        bad[0].tables[filter].chains[services].rules.append(
            Rule([.comment("broken"), .l4Protocol(.tcp), .destinationPort(PortRange(8080))], .jump("KUBE-MISSING")))
        let ruleNumber = bad[0].tables[filter].chains[services].rules.count

        do {
            _ = try NetfilterApplier().apply(bad, into: scratch.namespace)
            Issue.record("the kernel accepted a jump to a missing chain")
        } catch ApplyError.rejected(let objects) {
            #expect(objects.count == 1)
            let object = try #require(objects.first)
            #expect(object.object == "ip filter chain KUBE-SERVICES rule \(ruleNumber)")
            #expect(object.rule == "-A KUBE-SERVICES -m comment --comment broken -m tcp -p tcp --dport 8080 -j KUBE-MISSING")
            #expect(object.attribute == "expression 7 (immediate)")
            #expect(object.errno == 2)
            #expect(ApplyError.rejected(objects).description.contains("nothing was changed"))
        }
        #expect(try scratch.save() == saveBefore)
        #expect(try scratch.ruleset() == nftBefore)
    }

    @Test func theProcessOwnNamespaceNeedsHost() throws {
        let own = NetworkNamespace(path: "/proc/self/ns/net")
        #expect {
            try NetfilterApplier().apply([], into: own)
        } throws: { error in
            guard case ApplyError.refusingHostNamespace = error else { return false }
            return "\(error)".contains("--host")
        }
    }

    @Test func applyingFromAThreadAlreadyInsideTheNamespace() throws {
        let rulesets = try Self.rulesets("clusterip-1-endpoints")
        let (outcome, save) = try NamespaceThread.runInNewNamespace { () throws -> (ApplyReport.Outcome, String) in
            let outcome = try NetfilterApplier().applyInCurrentNamespace(rulesets).outcome
            return (outcome, try HostCommand.check(["iptables-save"]))
        }
        #expect(outcome == .applied)
        #expect(save.contains(":KUBE-SVC-"))
        // On a thread of the process's own namespace it refuses, as `apply(into:)` does.
        #expect(throws: ApplyError.self) {
            try NetfilterApplier().applyInCurrentNamespace(rulesets)
        }
    }

    @Test func progressIsReported() throws {
        let scratch = try ScratchNamespace(tag: "progress")
        defer { scratch.remove() }
        let seen = ProgressLog()
        let options = ApplyOptions(progress: { seen.append($0) })
        let rulesets = try Self.rulesets("nodeport-local")
        _ = try NetfilterApplier(options: options).apply(rulesets, into: scratch.namespace)
        let steps = seen.steps
        #expect(steps.first == .encoding(rules: rulesets[0].ruleCount))
        #expect(steps.contains { if case .sending = $0 { return true } else { return false } })
        #expect(steps.last == .committed)
    }
}

final class ProgressLog: @unchecked Sendable {
    private var log: [ApplyProgress] = []
    private let lock = NSLockLike()

    func append(_ step: ApplyProgress) { lock.locked { log.append(step) } }
    var steps: [ApplyProgress] { lock.locked { log } }
}

/// A tiny pthread mutex (the namespace thread reports progress while the test thread waits).
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
