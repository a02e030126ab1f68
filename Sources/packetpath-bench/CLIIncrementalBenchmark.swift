#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetworkNamespaces

/// `packetpath-bench cli-incremental N CLI [RUNS]`: the `packetpath` binary CLI, run as a user
/// runs it (a process of its own, decoding included), on the cluster of `generate N` as one
/// YAML file: `CLI apply --netns NS FILE` into a fresh namespace, then timed: the manifest with
/// one more endpoint (in Service 1's slice, as `incremental` adds it), then that one with one
/// more Service, each a fresh `packetpath apply -o json` process (its report gives the messages
/// and bytes sent). For the iptables layout and, in another namespace, with `--backend nftables`.
/// Each of RUNS rounds (default 3) starts from the N-Service manifest again; the figures are the
/// medians (wall, CPU of all threads, peak RSS, messages, bytes). Prints one line of `key=value`
/// fields, per layout prefixed `iptables_` and `nft_`.
enum CLIIncrementalBenchmark {
    struct Run {
        var seconds: Double
        var cpuSeconds: Double
        var peakMB: Double
        var messages: Int
        var bytes: Int
    }

    static func run(services: Int, cli: String, runs: Int) throws -> String {
        var template = Array("/tmp/packetpath-bench-cli-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw WatchBenchError("mkdtemp failed") }
        let directory = String(cString: made)
        let base = directory + "/cluster.yaml", endpoint = directory + "/endpoint.yaml"
        let service = directory + "/service.yaml", output = directory + "/output", errors = directory + "/errors"
        defer {
            for file in [base, endpoint, service, output, errors] { unlink(file) }
            rmdir(directory)
        }
        // The endpoint `incremental` adds (10.250.0.1 in Service 1's slice), ahead of its first one.
        let first = "- addresses:\n  - \(SyntheticCluster.endpointIP(1, 0))\n"
        let extra = "- addresses:\n  - 10.250.0.1\n  conditions:\n    ready: true\n  nodeName: node0\n" + first
        try WatchBenchmark.write(base, SyntheticCluster.yaml(services: services))
        try WatchBenchmark.write(endpoint, SyntheticCluster.yaml(services: services).replacingFirst(first, with: extra))
        try WatchBenchmark.write(service, SyntheticCluster.yaml(services: services + 1).replacingFirst(first, with: extra))

        var fields = "cli-incremental services=\(services) runs=\(runs)"
        for (layout, flags) in [("iptables", [String]()), ("nft", ["--backend", "nftables"])] {
            let namespace = try ScratchNamespace(tag: "bench-cli")
            defer { namespace.remove() }
            func apply(_ file: String) throws -> Run {
                let arguments = [cli, "apply", "--netns", namespace.name, "--output", "json"] + flags + [file]
                let result = try Measure.command(arguments, stdout: output, stderr: errors)
                guard result.status == 0 else {
                    throw WatchBenchError("\(arguments.joined(separator: " ")) exited with \(result.status): \(contents(errors))")
                }
                guard let report = try JSONSerialization.jsonObject(with: Data(contents(output).utf8)) as? [String: Any],
                      report["outcome"] as? String == "applied",
                      let messages = report["messages"] as? Int, let bytes = report["bytes"] as? Int else {
                    throw WatchBenchError("\(layout) apply of \(file) did not commit: \(contents(output))")
                }
                return Run(seconds: result.seconds, cpuSeconds: result.cpuSeconds, peakMB: result.peakMB,
                           messages: messages, bytes: bytes)
            }
            var rounds: [(first: Run, endpoint: Run, service: Run)] = []
            for _ in 0..<max(1, runs) {
                let first = try apply(base)
                rounds.append((first, try apply(endpoint), try apply(service)))
            }
            // The first round's first apply is the full one (later rounds' only undo the change).
            fields += " " + fieldText(layout + "_full", [rounds[0].first])
            fields += " " + fieldText(layout + "_endpoint", rounds.map(\.endpoint))
            fields += " " + fieldText(layout + "_service", rounds.map(\.service))
        }
        return fields
    }

    /// Medians of each figure over `runs`.
    static func fieldText(_ prefix: String, _ runs: [Run]) -> String {
        func median<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
        return "\(prefix)_seconds=\(median(runs.map(\.seconds))) \(prefix)_cpu_seconds=\(median(runs.map(\.cpuSeconds)))"
            + " \(prefix)_peak_mb=\(median(runs.map(\.peakMB))) \(prefix)_messages=\(median(runs.map(\.messages)))"
            + " \(prefix)_bytes=\(median(runs.map(\.bytes)))"
    }

    static func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
