#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ManifestWatch
import NetfilterApply
import NetworkNamespaces
import PacketPath

/// `packetpath-bench watch N`: the cluster of `generate N` as one file in a directory that a
/// `ManifestWatcher` (as `apply --watch` runs it) applies into a fresh namespace. Each step is
/// timed from just before a file is written to the end of its commit (the watcher's 50 ms quiet
/// wait included): a small file with one more Service added beside the big one, one more
/// endpoint in that small file, and one more endpoint in the big file (which is re-decoded
/// whole). Prints one line of `key=value` fields.
enum WatchBenchmark {
    static func run(services: Int) throws -> String {
        let namespace = try ScratchNamespace(tag: "bench-w")
        defer { namespace.remove() }
        var template = Array("/tmp/packetpath-bench-watch-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw WatchBenchError("mkdtemp failed") }
        let directory = String(cString: made)
        let big = directory + "/cluster.yaml"
        let small = directory + "/extra.yaml"
        defer {
            unlink(big)
            unlink(small)
            rmdir(directory)
        }
        let bigText = SyntheticCluster.yaml(services: services)
        try write(big, bigText)

        // As `apply --watch` makes it: remembering its last commit (PACKETPATH_BENCH_NO_MEMORY=1
        // measures without, for comparison).
        let applier = NetfilterApplier(options: ApplyOptions(memory: getenv("PACKETPATH_BENCH_NO_MEMORY") == nil ? ApplyMemory() : nil))
        let watcher = try ManifestWatcher(ManifestWatcher.Configuration(inputs: [directory]),
                                          compile: { Pipeline.compile($0, families: [.ipv4]) },
                                          apply: { try applier.apply($0, into: namespace.namespace) })
        guard watcher.applyAll().succeeded else { throw WatchBenchError("the first apply failed") }

        var fields = "watch services=\(services)"
        let steps: [(String, String, String)] = [
            ("add_file", small, extraService(services, endpoints: 1)),
            ("small_file", small, extraService(services, endpoints: 2)),
            ("big_file", big, bigText.replacingFirst("- addresses:\n  - \(SyntheticCluster.endpointIP(0, 0))\n",
                                                    with: "- addresses:\n  - 10.250.0.1\n  conditions:\n    ready: true\n"
                                                        + "- addresses:\n  - \(SyntheticCluster.endpointIP(0, 0))\n")),
        ]
        for (name, file, text) in steps {
            let clock = ContinuousClock()
            let start = clock.now
            try write(file, text)
            guard let batch = try watcher.nextBatch(waitingAtMost: .seconds(60)) else { throw WatchBenchError("\(name): no event") }
            let seconds = Self.seconds(start.duration(to: clock.now))
            guard case .applied(let report, _) = batch.outcome, report.changedAnything else {
                throw WatchBenchError("\(name): not committed: \(batch.outcome)")
            }
            fields += " \(name)_seconds=\(seconds) \(name)_decode_seconds=\(Self.seconds(batch.timings.decode))"
                + " \(name)_compile_seconds=\(Self.seconds(batch.timings.compile)) \(name)_apply_seconds=\(Self.seconds(batch.timings.apply))"
                + " \(name)_messages=\(report.messages) \(name)_bytes=\(report.bytes)"
        }
        return fields
    }

    static func extraService(_ index: Int, endpoints: Int) -> String {
        let name = "svc\(index)"
        var text = """
            apiVersion: v1
            kind: Service
            metadata: {name: \(name), namespace: ns0}
            spec:
              clusterIP: \(SyntheticCluster.clusterIP(index))
              ports:
              - {name: http, port: 80, targetPort: 8080}
              selector: {app: \(name)}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: \(name)-abcde
              namespace: ns0
              labels: {kubernetes.io/service-name: \(name)}
            addressType: IPv4
            ports:
            - {name: http, port: 8080, protocol: TCP}
            endpoints:

            """
        for endpoint in 0..<endpoints {
            text += "- addresses: [\(SyntheticCluster.endpointIP(index, endpoint))]\n  conditions: {ready: true}\n"
        }
        return text
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func write(_ path: String, _ text: String) throws {
        guard let file = fopen(path, "w") else { throw WatchBenchError("cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        var text = self
        text.replaceSubrange(range, with: replacement)
        return text
    }
}

struct WatchBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
