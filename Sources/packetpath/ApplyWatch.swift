import ArgumentParser
import ClusterState
import Dispatch
import Foundation
import ManifestWatch
import NetfilterApply
import NetworkNamespaces
import PacketPath
#if canImport(Glibc)
import Glibc
#endif

/// `apply --watch`: the first apply as `apply` does it, then one stderr line per change, until
/// SIGINT or SIGTERM ends it between batches (exit 0).
extension ApplyCommand {
    func runWatch(_ namespace: NetworkNamespace) throws {
        try CLIInput.run {
            if dryRun || output != .text { throw ValidationError("--watch cannot be combined with --dry-run or -o json") }
        }
        // The watcher's applies share what the last one committed (see ApplyMemory).
        let memory = ApplyMemory()
        let iptables = NetfilterApplier(options: ApplyOptions(host: target.host, memory: memory))
        // Its commits keep the digest record current, so the next `apply` process plans from it.
        let nftables = NFTablesApplier(options: ApplyOptions(host: target.host, memory: memory), takeOver: takeOver,
                                       recordDigests: true)
        let family = self.family
        let layout = WatchedLayout(chosen: backend)
        let watcher = try CLIInput.run {
            try ManifestWatcher(ManifestWatcher.Configuration(inputs: files, load: input.loadOptions()),
                                compile: { state in
                                    let families = family?.families ?? Pipeline.defaultFamilies(for: state)
                                    switch try layout.select(for: state) {
                                    case .nftables: return Pipeline.compileNFTables(state, families: families)
                                    case .iptables: return Pipeline.compile(state, families: families)
                                    }
                                },
                                apply: { rulesets in
                                    switch layout.selected {
                                    case .nftables: return try nftables.apply(rulesets, into: namespace)
                                    case .iptables, nil: return try iptables.apply(rulesets, into: namespace)
                                    }
                                })
        }
        // Signals only ask the loop to stop: it sees that between batches, never inside one.
        let stopper = watcher.stopper
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stopper.stop() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        let first = watcher.applyAll()
        CLIInput.report(first.warnings, input)
        switch first.outcome {
        case .applied(let report, let rules):
            Self.warnAboutLegacy(report)
            StandardStreams.writeOut(Array((Self.summary(report, rules: rules, namespace: namespace) + "\n").utf8))
            // As `apply` does: a namespace runs one layout at a time.
            if layout.selected == .nftables {
                Self.reportRemoved(try CLIInput.run { try nftables.removeOtherLayout(in: namespace) }, layout: "iptables", namespace: namespace)
            } else {
                Self.reportRemoved(try CLIInput.run { try iptables.removeOtherLayout(in: namespace) }, layout: "nftables", namespace: namespace)
            }
        case .invalid(let errors):
            try CLIInput.run { throw WatchFailure(errors) }
        case .failed(let error):
            try CLIInput.run { throw WatchFailure([error]) }
        case .unchanged:
            break
        }
        StandardStreams.writeError("packetpath: watching \(files.joined(separator: " ")) (SIGINT or SIGTERM stops)")
        try CLIInput.run {
            try watcher.run { batch in
                CLIInput.report(batch.warnings, input)
                StandardStreams.writeError(Self.line(batch))
            }
        }
        StandardStreams.writeError("packetpath: stopped")
    }

    /// One line per batch: which files, what was sent, and how long from the file event.
    static func line(_ batch: WatchBatch) -> String {
        var files = batch.decoded.map { "\($0) changed" } + batch.removed.map { "\($0) removed" }
        if files.isEmpty { files = ["files rewritten unchanged"] }
        let head = "packetpath: " + files.joined(separator: ", ") + ": "
        switch batch.outcome {
        case .unchanged:
            return head + "nothing sent"
        case .applied(let report, let rules):
            let timing = "\(milliseconds(batch.timings.sinceEvent)) after the file event (decode \(milliseconds(batch.timings.decode)), "
                + "compile \(milliseconds(batch.timings.compile)), apply \(milliseconds(batch.timings.apply)))"
            guard report.changedAnything else { return head + "\(rules) rules, already up to date; nothing sent, \(timing)" }
            let operations = report.operations.values.reduce(0, +)
            return head + "committed \(operations) operations (\(report.rulesWritten) rules written, \(report.rulesDeleted) deleted) "
                + "in \(report.messages) messages, \(report.bytes) bytes, \(timing)"
        case .invalid(let errors):
            return head + "not applied, the last good state stays:\n" + errors.map { "error: " + SafeText.escaped($0) }.joined(separator: "\n")
        case .failed(let error):
            return head + "not applied, the last good state stays:\nerror: " + SafeText.escaped(error)
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = (seconds * 10_000 + attoseconds / 100_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}

/// The first apply of a watch failed: the errors, one per line.
private struct WatchFailure: Error, CustomStringConvertible {
    let description: String

    init(_ errors: [String]) { description = errors.joined(separator: "\n") }
}

/// The layout a watch programs: `--backend`, else the mode the first good state selects. A
/// later state selecting the other mode is refused (the last good state stays) rather than
/// switching layouts in the middle of a watch.
private final class WatchedLayout: @unchecked Sendable {
    private let lock = NSLock()
    private let flag: ProxyMode?
    private var chosen: ProxyMode?

    init(chosen flag: ProxyMode?) {
        self.flag = flag
        chosen = flag
    }

    var selected: ProxyMode? { lock.withLock { chosen } }

    func select(for state: ClusterState) throws -> ProxyMode {
        try lock.withLock {
            let wanted = flag ?? Pipeline.defaultBackend(for: state)
            guard let chosen else {
                chosen = wanted
                return wanted
            }
            guard wanted == chosen else {
                throw ValidationError("the input now selects mode: \(wanted.rawValue), but this watch programs the \(chosen.rawValue) "
                    + "layout; restart it (or pass --backend) to switch layouts")
            }
            return chosen
        }
    }
}
