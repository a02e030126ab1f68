import Foundation
import Testing
import ClusterState
import IPTablesText
import NetworkAddresses
import PacketPath
import PacketTrace
import TestSupport
import RuleModel

/// The trace's verdict over the compiled model (kube-proxy chains + NetworkPolicy chains)
/// against every probe of the 43 NetworkPolicy truth tables. This is the model half of the
/// netpol acceptance; the real-packet half needs the lab.
@Suite struct NetpolVerdictTests {
    static let directory = SharedCases.netpolDirectory
    static let cases = SharedCases.netpolNames

    @Test func allCasesArePresent() {
        #expect(Self.cases.count == 43)
    }

    @Test(arguments: cases)
    func traceVerdictMatchesTheTruthTable(caseName: String) throws {
        let folder = Self.directory + "/" + caseName
        let side = try SideLoader(liveReader: nil).load(.paths([folder + "/cluster.yaml"]))
        let state = try #require(side.cluster?.state)
        let (tracer, _) = try Review.tracer(side, family: .ipv4)
        // The same rules as a dump read back carry no provenance: the trace must still tell
        // the policy's verdicts (worked out from the dump once, as for every rules side).
        let dump = try IPTablesSaveParser(family: .ipv4).parseOne(try IPTablesSaveWriter().text(Pipeline.compile(state, families: [.ipv4])[0]))
        let (dumpTracer, _) = try Review.tracer(LoadedSide(input: .paths(["dump"]), content: .rules([dump])), family: .ipv4,
                                                nodeAddresses: state.settings.interfaceAddresses)
        var mismatches: [String] = []
        var probes = 0
        var sourcePort: UInt16 = 20000
        for line in try String(contentsOfFile: folder + "/expected.txt", encoding: .utf8).split(separator: "\n") {
            guard !line.hasPrefix("#"), !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let fields = line.split(separator: " ").map(String.init)
            try #require(fields.count == 4, "bad probe line: \(line)")
            let portProto = fields[2].split(separator: "/")
            let proto: L4Protocol = portProto[1] == "UDP" ? .udp : portProto[1] == "SCTP" ? .sctp : .tcp
            sourcePort &+= 1
            let packet = TracePacket(source: try address(fields[0], state), destination: try address(fields[1], state),
                                     proto: proto, sourcePort: sourcePort, destinationPort: UInt16(portProto[0])!)
            let result = tracer.trace(packet)
            let fromDump = dumpTracer.trace(packet).outcomes.map(\.policy)
            if fromDump != result.outcomes.map(\.policy) {
                mismatches.append("\(line): the dump's policy verdicts \(fromDump.map(\.text)) differ from the compiled rules'")
            }
            let passes = Set(result.outcomes.map(\.disposition.passes))
            probes += 1
            guard passes.count == 1, let allowed = passes.first else {
                mismatches.append("\(line): endpoints disagree")
                continue
            }
            if allowed != (fields[3] == "allow") {
                let reason = result.outcomes.first.map { "\($0.disposition.text); policy \($0.policy.text)" } ?? "no outcome"
                mismatches.append("\(line): trace says \(allowed ? "allow" : "deny") (\(reason))")
            }
            // Denials must come from the policy chains, never from something else.
            if !allowed, let outcome = result.outcomes.first, case .denied = outcome.policy {} else if !allowed {
                mismatches.append("\(line): denied outside the policy chains (\(result.outcomes.first?.disposition.text ?? ""))")
            }
        }
        #expect(probes > 0)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(probes) probes differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    private func address(_ word: String, _ state: ClusterState) throws -> IPAddress {
        if word.hasPrefix("ip:") { return try #require(IPAddress(String(word.dropFirst(3)))) }
        if word.hasPrefix("svc:") {
            let key = String(word.dropFirst(4))
            return try #require(state.services.first { $0.metadata.key == key }?.clusterIP(for: .ipv4))
        }
        return try #require(state.pods.first { $0.metadata.key == word }?.podIPs.first)
    }
}
