import Foundation
import NetworkNamespaces
import TestSupport
import Testing

/// The command line around inputs: what compile and lint print for kubectl's output, the
/// node choice, limits, safe messages, and the CLI's habits (version, help, suggestions).
@Suite struct InputCommandTests {
    static let fixtures = ProjectPaths.root + "/Tests/ClusterStateTests/Fixtures"

    private func run(_ arguments: String...) throws -> HostCommand.Output {
        try HostCommand.run([ProjectPaths.binary] + arguments)
    }

    private func temporaryDirectory(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pp-inputs-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func endpointSliceListCompilesToItsEndpoints() throws {
        let output = try run("compile", Self.fixtures + "/typed-lists.yaml")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("-j DNAT --to-destination 10.244.1.5:8080"))
        #expect(!output.stdout.contains("REJECT"))
        // No cluster CIDR was stated: no local-traffic detector, as kube-proxy without one.
        #expect(!output.stdout.split(separator: "\n").contains { $0.contains("! -s ") && $0.contains("KUBE-MARK-MASQ") })
        let notes = output.stderr.split(separator: "\n")
        #expect(notes.count == 1 && notes[0].hasPrefix("note: the input does not say which node this is"), "\(output.stderr)")
    }

    @Test func servicesWithoutClusterIPAreNotedByCompileAndLint() throws {
        for command in ["compile", "lint"] {
            let output = try run(command, Self.fixtures + "/kubectl-create-dry-run.yaml")
            let notes = output.stderr.split(separator: "\n").filter { $0.hasPrefix("note: ") }
            #expect(notes.count == 5, "\(command): \(output.stderr)")
            #expect(notes.filter { $0.contains("spec.clusterIP: not set") }.count == 2)
            let quiet = try run(command, Self.fixtures + "/kubectl-create-dry-run.yaml", "--quiet")
            #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        }
        let compiled = try run("compile", Self.fixtures + "/kubectl-create-dry-run.yaml")
        #expect(compiled.status == 0)
        #expect(!compiled.stdout.contains("default/web:"))
        #expect(compiled.stdout.contains("default/np:80-8080 has no endpoints"))
    }

    @Test func severalNodesNeedNode() throws {
        let directory = try temporaryDirectory(["nodes.yaml": """
            apiVersion: v1
            kind: NodeList
            items:
            - metadata: {name: worker-1}
              status: {addresses: [{type: InternalIP, address: 192.168.5.10}]}
            - metadata: {name: worker-2}
              status: {addresses: [{type: InternalIP, address: 192.168.5.11}]}
            """])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let refused = try run("compile", directory + "/nodes.yaml")
        #expect(refused.status == 2)
        #expect(refused.stderr == "error: \(directory)/nodes.yaml: the input holds 2 Nodes (\"worker-1\", \"worker-2\"): choose the node to compile for with --node NAME\n")
        let chosen = try run("compile", directory + "/nodes.yaml", "--node", "worker-2")
        #expect(chosen.status == 0, "\(chosen.stderr)")
        #expect(chosen.stderr.contains("assumed no cluster CIDR") && !chosen.stderr.contains("no hostname"))
    }

    @Test func compileReadsADirectoryLikeTheOtherCommands() throws {
        let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: prod}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n"
        let slice = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1, namespace: prod, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [{port: 8080}]\nendpoints: [{addresses: [10.244.1.5]}]\n"
        let directory = try temporaryDirectory(["b-slice.yml": slice, "a-service.yaml": service, "notes.txt": "not read"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fromDirectory = try run("compile", directory)
        let fromFiles = try run("compile", directory + "/a-service.yaml", directory + "/b-slice.yml")
        #expect(fromDirectory.status == 0, "\(fromDirectory.stderr)")
        #expect(fromDirectory.stdout == fromFiles.stdout)
        #expect(fromDirectory.stdout.contains("--to-destination 10.244.1.5:8080"))
    }

    @Test func devZeroEndsInAClearErrorQuickly() throws {
        let start = ContinuousClock.now
        let output = try run("compile", "/dev/zero")
        #expect(output.status == 2)
        #expect(output.stderr == "error: /dev/zero: line 1, column 1: not text: byte 0x00 (NUL) cannot be text\n")
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func inputSizeLimitIsAFlag() throws {
        let file = Self.fixtures + "/typed-lists.yaml"
        let refused = try run("compile", file, "--max-input-size", "100")
        #expect(refused.status == 2)
        #expect(refused.stderr == "error: \(file): larger than the input size limit of 100 bytes (--max-input-size raises it)\n")
        #expect(try run("compile", file, "--max-input-size", "1M").status == 0)
    }

    @Test func messagesNeverCarryRawControlCharacters() throws {
        let output = try run("compile", Self.fixtures + "/ansi-name.yaml")
        #expect(output.status == 2)
        #expect(!output.stderr.contains("\u{1B}"))
        #expect(output.stderr.split(separator: "\n").count == 1)
        #expect(output.stderr.contains(#"web\x1b[31mRED\nline2"#))
        // What was typed on the command line is escaped too.
        let typed = try run("compile", "x.yaml", "--max-input-size", "\u{1B}[31m")
        #expect(typed.status == 2)
        #expect(!typed.stderr.contains("\u{1B}") && typed.stderr.contains(#"'\x1b[31m'"#), "\(typed.stderr)")
    }

    @Test(arguments: ["a/b", "../x", "", "..", "/proc/1/ns/net"])
    func netnsTakesANameOnly(name: String) throws {
        let output = try run("apply", ProjectPaths.root + "/examples/shop.yaml", "--netns", name)
        #expect(output.status == 2)
        #expect(output.stderr.hasPrefix("error: --netns \"\(name)\": a namespace name may not"), "\(output.stderr)")
    }

    @Test func versionHelpAndSuggestions() throws {
        let version = try run("--version")
        #expect(version.status == 0 && version.stdout.hasPrefix("packetpath "))
        let unknown = try run("help", "nosuch")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("error: unknown subcommand 'nosuch' of packetpath"))
        let typo = try run("compil", "x.yaml")
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean 'compile'?"), "\(typo.stderr)")
        #expect(try run("lab", "netpl").stderr.contains("did you mean 'netpol'?"))
    }

    @Test(arguments: [["compile"], ["apply"], ["diff"], ["trace"], ["lint"], ["graph"], ["lab"], ["lab", "netpol"], ["lab", "service"]])
    func everySubcommandsHelpHasAnExample(words: [String]) throws {
        let output = try HostCommand.run([ProjectPaths.binary, "help"] + words)
        #expect(output.status == 0)
        #expect(output.stdout.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("packetpath \(words.joined(separator: " "))") },
                "no example in: \(output.stdout)")
    }

    @Test(arguments: ["lint", "trace", "diff"])
    func shortOutputOption(command: String) throws {
        let output = try HostCommand.run([ProjectPaths.binary, command, "--help"])
        #expect(output.stdout.contains("-o, --output <output>"), "\(output.stdout)")
    }
}
