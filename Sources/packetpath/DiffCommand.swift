import ArgumentParser
import ClusterState
import Foundation
import PacketPath
import RuleDiff

/// `packetpath diff A B`: what differs between two packet paths, per Service port.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two rule sets semantically, per Service port (exit 0 same, 1 different, 2 error).",
        discussion: """
            Each side is manifests (files or directories of YAML/JSON, compiled on the fly), an \
            iptables-save or restore file, nft text (an `nft -f` script or `nft list` output; \
            files are recognised by their content), or netns:NAME (the live \
            ip/ip6 filter and nat tables of a named network namespace, read over netlink; needs \
            root, and fails, listing them, on rules PacketPath's model cannot hold). A side of several files is given with repeated --a or \
            --b; the remaining sides come from the positional arguments, A first.
              packetpath diff manifests/ live-iptables-save.txt
              packetpath diff --a svc.yaml --a slices.yaml netns:node1
            When either side is nftables mode the comparison is by behaviour: every entry point \
            (ClusterIP, NodePort, external and load-balancer IP) of every Service port is probed \
            through both sides and the endings compared (endpoints and probabilities, masquerade, \
            drop/reject, affinity); iptables against nftables is a migration diff, which names \
            the differences the two modes have by design. Manifests are compiled for the mode \
            named by --backend-a/--backend-b, else for the other side's.
            What the kernel canonicalises (option order, /32 hosts, quoting, MARK/REJECT \
            spellings, 31-bit probabilities, chain order, counters) is not a difference.
            """)

    @Option(name: .customLong("a"), help: ArgumentHelp("A file or directory of side A (repeatable).", valueName: "path"))
    var sideA: [String] = []

    @Option(name: .customLong("b"), help: ArgumentHelp("A file or directory of side B (repeatable).", valueName: "path"))
    var sideB: [String] = []

    @Argument(help: ArgumentHelp("The sides not given with --a/--b, in order: a file, a directory, '-' or netns:NAME.", valueName: "side"))
    var sides: [String] = []

    @Option(name: .customLong("backend-a"), help: ArgumentHelp(
        "Proxy mode side A's manifests are compiled for: iptables or nftables (default: B's mode when B holds rules, else iptables).",
        valueName: "mode"))
    var backendA: ProxyMode?

    @Option(name: .customLong("backend-b"), help: ArgumentHelp(
        "Proxy mode side B's manifests are compiled for (default: A's mode when A holds rules, else iptables).",
        valueName: "mode"))
    var backendB: ProxyMode?

    @Option(name: [.short, .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var input: InputOptions

    func run() throws {
        let report = try CLIInput.run { () -> ReviewDiff in
            var positional = sides[...]
            func next(_ given: [String], _ label: String) throws -> SideInput {
                if !given.isEmpty { return try SideInput(given) }
                guard let word = positional.popFirst() else { throw SideError("side \(label) is missing (give two sides)") }
                return try SideInput([word])
            }
            let a = try next(sideA, "A"), b = try next(sideB, "B")
            guard positional.isEmpty else { throw SideError("more than two sides given: \(positional.joined(separator: " "))") }
            let loader = SideLoader(liveReader: NetlinkNamespaceReader(), options: input.loadOptions())
            let left = try CLIInput.loadSide(loader, a, input), right = try CLIInput.loadSide(loader, b, input)
            return Review.compare(left, right, backendA: backendA, backendB: backendB)
        }
        switch (output, report) {
        case (.text, _): StandardStreams.writeOut(Array(report.text.utf8))
        case (.json, .rules(let rules)): try StandardStreams.writeJSON(rules)
        case (.json, .migration(let migration)): try StandardStreams.writeJSON(migration)
        }
        if !report.isEmpty { throw ExitCode(1) }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension StandardStreams {
    static func writeJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try CLIInput.run { try encoder.encode(value) }
        writeOut(Array(data) + [UInt8(ascii: "\n")])
    }
}
