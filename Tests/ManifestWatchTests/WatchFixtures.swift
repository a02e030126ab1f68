import ClusterState
import ManifestWatch
import NetfilterApply
import NetfilterNetlink
import PacketPath
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory of manifests: a Service in one file, its endpoints in another.
final class ManifestDirectory {
    let path: String
    var services: String { path + "/services.yaml" }
    var endpoints: String { path + "/endpoints.yaml" }

    init() throws {
        var template = Array("/tmp/packetpath-watch-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw WatchTestError("mkdtemp failed") }
        path = String(cString: made)
        try write(services, Self.service)
        try write(endpoints, Self.slice(["10.244.1.10"]))
    }

    deinit {
        for name in (try? list()) ?? [] { unlink(path + "/" + name) }
        rmdir(path)
    }

    func list() throws -> [String] {
        guard let handle = opendir(path) else { throw WatchTestError("cannot list \(path)") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Writes as an editor that saves in place does (one IN_CLOSE_WRITE).
    func write(_ file: String, _ text: String) throws {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WatchTestError("cannot write \(file)") }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        guard bytes.withUnsafeMutableBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw WatchTestError("short write to \(file)")
        }
    }

    /// Writes a temporary file and renames it over `file`, as many editors save.
    func replace(_ file: String, _ text: String) throws {
        try write(file + ".tmp", text)
        guard rename(file + ".tmp", file) == 0 else { throw WatchTestError("cannot rename over \(file)") }
    }

    static let service = """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          clusterIP: 10.96.10.10
          selector: {app: web}
          ports:
          - {name: http, port: 80, targetPort: 8080}

        """

    static func slice(_ addresses: [String]) -> String {
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-1
          namespace: shop
          labels: {kubernetes.io/service-name: web}
        addressType: IPv4
        ports:
        - {name: http, port: 8080, protocol: TCP}
        endpoints:

        """ + addresses.map { "- addresses: [\($0)]\n  conditions: {ready: true}\n" }.joined()
    }
}

struct WatchTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A watcher over a `ManifestDirectory` that applies into a `FakeKernel`, counting applies.
final class FakeWatch {
    final class Counter { var value = 0 }

    let kernel = FakeKernel()
    let applies = Counter()
    let watcher: ManifestWatcher

    init(_ inputs: [String]) throws {
        let kernel = self.kernel
        let applies = self.applies
        watcher = try ManifestWatcher(ManifestWatcher.Configuration(inputs: inputs), compile: FakeWatch.compile) { rulesets in
            applies.value += 1
            return try NetfilterApplier().apply(rulesets, connection: kernel)
        }
    }

    static func compile(_ state: ClusterState) -> [Ruleset] {
        Pipeline.compile(state, families: [.ipv4])
    }

    /// The next batch; a watcher that sees nothing for a long time has failed the test.
    func next() throws -> WatchBatch {
        guard let batch = try watcher.nextBatch(waitingAtMost: .seconds(20)) else {
            throw WatchTestError("no batch: the watcher saw no file event")
        }
        return batch
    }
}

extension FakeKernel {
    /// Every table, chain and rule of both families, without the state record (its comment
    /// carries generations): two kernels holding the same rules print the same text, however they got them.
    func rulesText() throws -> String {
        var lines: [String] = []
        for family in [NetfilterFamily.ipv4, .ipv6] {
            for table in try tables(family: family) where !table.name.description.hasPrefix("packetpath") {
                lines.append("table \(family) \(table.name)")
                // Chains by name: an incremental apply creates new ones after the old.
                let names = try chains(family: family).filter { $0.table == table.name }.map(\.name)
                for name in names.sorted(by: { "\($0)" < "\($1)" }) {
                    lines.append("  chain \(name)")
                    for rule in try rules(of: ChainKey(TableKey(family, table.name), name)) {
                        lines.append("    " + rule.expressions.map(\.description).joined(separator: " "))
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A kernel with `files` applied from scratch, as a one-shot `apply` would.
    static func freshlyApplied(_ files: [String]) throws -> FakeKernel {
        let kernel = FakeKernel()
        let state = try ManifestLoader.load(paths: files).state
        _ = try NetfilterApplier().apply(FakeWatch.compile(state), connection: kernel)
        return kernel
    }
}
