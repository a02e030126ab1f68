import Foundation
import NetworkNamespaces
import Testing

extension PrivilegedLabTests {
/// SIGTERM/SIGINT in the middle of a lab remove every namespace it made.
@Suite struct SignalCleanupTests {
    /// The `packetpath` binary built next to this test bundle.
    static var packetpath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("packetpath").path
    }

    /// A case whose one probe waits out its whole timeout: SCTP to a ClusterIP whose slice
    /// has no port for it (kube-proxy REJECTs with ICMP, which raw SCTP does not notice).
    static let slowCase = (
        cluster: """
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: s, labels: {kubernetes.io/metadata.name: s}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: s}
            spec: {containers: [{name: c}]}
            status: {phase: Running, podIP: 10.244.5.10, podIPs: [{ip: 10.244.5.10}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: slow, namespace: s}
            spec:
              type: ClusterIP
              clusterIP: 10.96.5.10
              clusterIPs: [10.96.5.10]
              ports: [{name: p, port: 9, protocol: SCTP, targetPort: 9}]

            """,
        expected: """
            # case: slow
            # title: slow
            # description: one probe that waits out its timeout
            # features: none
            # label-changes: none
            # probes: 9/SCTP
            #
            ## via Service s/slow ClusterIP 10.96.5.10 port 9/SCTP
            s/a svc:s/slow 9/SCTP deny

            """)

    @Test(arguments: [SIGTERM, SIGINT])
    func signalRemovesEveryLabNamespace(_ signalNumber: Int32) throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.packetpath), "build packetpath first: \(Self.packetpath)")
        let directory = try Fixtures.temporaryCase(cluster: Self.slowCase.cluster, expected: Self.slowCase.expected)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.packetpath)
        process.arguments = ["lab", "netpol", directory, "--timeout", "30"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let prefix = "pp\(process.processIdentifier)-"
        func namespaces() throws -> [String] {
            try HostCommand.check(["ip", "netns", "list"]).split(separator: "\n")
                .map { String($0.split(separator: " ")[0]) }.filter { $0.hasPrefix(prefix) }
        }
        // Wait until the lab is built (node + one host), then a little for the probe to start.
        let deadline = Date().addingTimeInterval(20)
        while try namespaces().count < 2 && Date() < deadline && process.isRunning { usleep(20_000) }
        #expect(try namespaces().count == 2)
        usleep(500_000)
        #expect(process.isRunning)
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == signalNumber)
        #expect(try namespaces().isEmpty)
    }

    /// Namespaces of a run that died without cleaning up are swept by the next lab.
    @Test func leftoversOfDeadRunsAreSwept() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let orphan = "pp\(process.processIdentifier)-labn-1"
        try HostCommand.check(["ip", "netns", "add", orphan])
        let lab = try ServiceLabProbe.build()
        defer { lab.teardown() }
        let listing = try HostCommand.check(["ip", "netns", "list"])
        #expect(!listing.contains(orphan))
    }
}
}

@testable import NetnsLab
import NetworkAddresses

/// The smallest lab: building one sweeps leftovers first.
enum ServiceLabProbe {
    static func build() throws -> LabTopology {
        try LabTopology(hosts: [LabHostSpec(name: "only", address: IPAddress("10.244.9.9")!)])
    }
}
