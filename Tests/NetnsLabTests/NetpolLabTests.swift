import ClusterState
import Dispatch
import Foundation
import NetworkNamespaces
import Testing
@testable import NetnsLab

/// Hand-compiled policy rules (what the NetworkPolicy compiler will produce), so the lab can
/// be proven before that compiler lands. Policies act in FORWARD after the Service DNAT.
enum HandCompiledPolicies {
    /// 001: `podSelector: {}` ingress deny in namespace x (pods 10.244.1.10-12).
    static let defaultDenyIngressX = RestoreTextInstaller("""
        *filter
        -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        -A FORWARD -d 10.244.1.10/31 -j DROP
        -A FORWARD -d 10.244.1.12/32 -j DROP
        COMMIT

        """)

    /// 046: deny all ingress in x, except SCTP 81 into x/a.
    static let sctp81IntoXA = RestoreTextInstaller("""
        *filter
        -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        -A FORWARD -d 10.244.1.10/32 -p sctp -m sctp --dport 81 -j ACCEPT
        -A FORWARD -d 10.244.1.0/24 -j DROP
        COMMIT

        """)

    static func with(_ policy: RestoreTextInstaller) -> CompositeInstaller {
        CompositeInstaller([NetlinkInstaller.servicesOnly, policy])
    }
}

/// Lab namespaces (tags `labn` and `labh`) of this process that still exist.
func leftoverLabNamespaces() throws -> [String] {
    try Fixtures.namespacesOfThisProcess().filter { $0.contains("-labn-") || $0.contains("-labh-") }
}

extension PrivilegedLabTests {
@Suite struct NetpolLabTests {
    let lab = NetpolLab(installer: HandCompiledPolicies.with(HandCompiledPolicies.defaultDenyIngressX))

    @Test func defaultDenyIngressCasePassesWithItsRules() throws {
        let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase("001-default-deny-ingress"))
        let report = try lab.run(netpolCase)
        #expect(report.summary == "216 passed, 0 failed, 0 skipped")
        #expect(report.succeeded)
        // Denied connections were dropped (timeouts), allowed ones answered at once.
        #expect(report.entries.filter { $0.line.verdict == .deny }.allSatisfy { $0.outcome == .timedOut })
        #expect(report.entries.filter { $0.line.verdict == .allow }.allSatisfy { $0.outcome == .connected && $0.seconds < 0.5 })
        #expect(try leftoverLabNamespaces().isEmpty)
    }

    /// Without the policy rules the very same packets connect, so exactly the deny lines fail:
    /// the verdicts come from packets, not from the expectation.
    @Test func missingRulesMakeEveryDenyLineFail() throws {
        let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase("001-default-deny-ingress"))
        let report = try NetpolLab(installer: NetlinkInstaller.servicesOnly).run(netpolCase)
        #expect(report.summary == "144 passed, 72 failed, 0 skipped")
        let failed = report.entries.filter { $0.status == .failed }
        #expect(failed.allSatisfy { $0.line.verdict == .deny && $0.observed == .allow })
        let text = report.text()
        #expect(text.contains("# FAILED (line "))
        #expect(text.contains("\nx/b x/a 80/TCP allow\n"))
        #expect(text.hasSuffix("144 passed, 72 failed, 0 skipped\n"))
        // The report is itself a valid case body: observed lines parse in the case grammar.
        let observed = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.contains(" passed, ") }
        #expect(observed.count == 216)
    }

    @Test func sctpIsFilteredSeparatelyFromTcp() throws {
        let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase("046-sctp-is-not-tcp"))
        let report = try NetpolLab(installer: HandCompiledPolicies.with(HandCompiledPolicies.sctp81IntoXA)).run(netpolCase)
        #expect(report.summary == "360 passed, 0 failed, 0 skipped")
        let sctpAllowedIntoX = report.entries.filter {
            $0.line.port == PortProtocol(81, .sctp) && $0.line.to == .pod(namespace: "x", name: "a")
        }
        #expect(sctpAllowedIntoX.count == 8)
        #expect(sctpAllowedIntoX.allSatisfy { $0.outcome == .connected })
    }

    /// Any directory in the case format works: other names and addresses, externals, a
    /// named targetPort, a selector-less Service whose endpoint is an external host, REJECT
    /// as well as DROP, and lines that cannot run are skipped loudly.
    @Test func anyCaseDirectoryInTheFormat() throws {
        let directory = try Fixtures.temporaryCase(cluster: CustomCase.cluster, expected: CustomCase.expected)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let netpolCase = try NetpolCase.load(directory: directory)
        let report = try NetpolLab(installer: HandCompiledPolicies.with(CustomCase.rules)).run(netpolCase)
        #expect(report.summary == "8 passed, 0 failed, 2 skipped")
        #expect(!report.succeeded)
        let outcomes = Dictionary(uniqueKeysWithValues: report.entries.map { ($0.line.key, $0.outcome) })
        #expect(outcomes["app/web app/cli 8080/TCP"] == .refused)
        #expect(outcomes["app/web app/cli 9/SCTP"] == .timedOut)
        #expect(outcomes["app/cli svc:app/ext 53/UDP"] == .connected)
        let skipped = report.entries.filter { $0.status == .skipped }.map { $0.skipReason ?? "" }
        #expect(skipped == ["server pod app/ghost has no IPv4 pod IP in cluster.yaml",
                            "Service app/nosuch is not in cluster.yaml"])
        #expect(report.text().contains("# SKIPPED (line 17) app/cli app/ghost 8080/TCP allow: server pod app/ghost"))
    }

    @Test func twoLabsRunAtOnce() throws {
        let first = try NetpolCase.load(directory: Fixtures.netpolCase("001-default-deny-ingress"))
        let second = try NetpolCase.load(directory: Fixtures.netpolCase("046-sctp-is-not-tcp"))
        let labs = [(lab, first), (NetpolLab(installer: HandCompiledPolicies.with(HandCompiledPolicies.sctp81IntoXA)), second)]
        let summaries = LockedArray<String>(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let (lab, netpolCase) = labs[index]
            summaries[index] = (try? lab.run(netpolCase).summary) ?? "error"
        }
        #expect(summaries.values == ["216 passed, 0 failed, 0 skipped", "360 passed, 0 failed, 0 skipped"])
        #expect(try leftoverLabNamespaces().isEmpty)
    }

    @Test func everythingIsRemovedWhenInstallingFails() throws {
        struct Failing: RuleInstaller {
            func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
                throw LabError("rules rejected")
            }
        }
        let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase("001-default-deny-ingress"))
        #expect(throws: LabError.self) { try NetpolLab(installer: Failing()).run(netpolCase) }
        #expect(try leftoverLabNamespaces().isEmpty)
    }
}
}

final class LockedArray<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    subscript(index: Int) -> T? {
        get { lock.withLock { storage[index] } }
        set { lock.withLock { storage[index] = newValue } }
    }

    var values: [T?] { lock.withLock { storage } }
}

extension PrivilegedLabTests {
/// Every shared case, with the rules `packetpath compile` produces, proven with real packets.
@Suite struct SharedNetpolCasesTests {
    @Test func everySharedCasePassesWithTheCompiledRules() throws {
        let cases = try Fixtures.caseNames().map { try NetpolCase.load(directory: Fixtures.netpolCase($0)) }
        #expect(cases.count == 43)
        let outcomes = NetpolLab(installer: NetlinkInstaller()).run(cases, jobs: 8)
        for (netpolCase, outcome) in zip(cases, outcomes) {
            let report = try outcome.get()
            #expect(report.succeeded, Comment(rawValue: "\(netpolCase.name): \(report.summary)\n\(report.text(onlyProblems: true))"))
            #expect(report.entries.count == netpolCase.expected.lines.count)
        }
        #expect(try leftoverLabNamespaces().isEmpty)
    }
}
}
