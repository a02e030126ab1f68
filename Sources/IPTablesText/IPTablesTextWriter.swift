import CPrefetch
import Dispatch
import PairedThreads
import RuleModel
import TextOutput

/// A rule the iptables text format cannot express (sets, verdict maps, numgen).
public struct UnrepresentableRule: Error, CustomStringConvertible {
    public let table: String
    public let chain: ChainName
    public let reason: String

    public var description: String {
        "table \(table), chain \(chain): \(reason) has no iptables form; use the nftables output"
    }
}

/// Prints a ruleset as `iptables-restore` input in the form kube-proxy writes it: `*table`
/// blocks (in the ruleset's table order), `:CHAIN - [0:0]` for every regular chain, `-A`
/// rules with options in rule order, `COMMIT`. Built-in (base) chains are left out: kube-proxy
/// never restores them, it inserts its jumps there separately.
public struct IPTablesTextWriter {
    /// At most this many threads print a large ruleset (each a contiguous part of the text).
    public var threads: Int

    public init(threads: Int = 2) {
        self.threads = max(1, threads)
    }

    public func text(_ ruleset: Ruleset) throws -> String {
        try printed(ruleset).string
    }

    public func bytes(_ ruleset: Ruleset) throws -> [UInt8] {
        try printed(ruleset).bytes
    }

    /// The text in the buffers it was printed into, never joined: a large ruleset prints
    /// in two parts on two threads, each into a series of megabyte chunks.
    public func printed(_ ruleset: Ruleset) throws -> PrintedText {
        let parts = threads > 1 ? PrintSplit.parts(of: ruleset) : [PrintSplit.whole(ruleset)]
        let results = UnsafeMutableBufferPointer<Result<[TextChunk], any Error>>.allocate(capacity: parts.count)
        results.initialize(repeating: .success([]))
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let output = results
        let printPart: @Sendable (Int) -> Void = { part in
            var printer = ChunkedPrinter()
            let writer = RuleWriter(family: ruleset.family)
            do {
                try PrintSplit.write(parts[part], of: ruleset, with: writer, to: &printer)
                output[part] = .success(printer.finish())
            } catch {
                output[part] = .failure(error)
            }
        }
        // Two parts on the same two threads as the layout (see PairedThreads).
        switch parts.count {
        case 1: printPart(0)
        case 2: PairedThreads.run(printPart)
        default: DispatchQueue.concurrentPerform(iterations: parts.count, execute: printPart)
        }
        var chunks: [TextChunk] = []
        for result in results { chunks += try result.get() }
        return PrintedText(chunks)
    }
}

/// Where printing stands in a ruleset: before the rules of chain `chain` of table `table`.
/// A table's header (its `*name` line and chain declarations) belongs to its chain 0 and its
/// COMMIT to the end of its last chain.
struct PrintPosition: Comparable {
    var table: Int
    var chain: Int

    static func < (lhs: PrintPosition, rhs: PrintPosition) -> Bool {
        (lhs.table, lhs.chain) < (rhs.table, rhs.chain)
    }
}

/// Splitting a ruleset's text into contiguous parts of about equal size, and printing one.
enum PrintSplit {
    /// Rules below which one thread prints everything.
    static let parallelThreshold = 20_000
    /// Chains whose rule counts are read to estimate a table's rules per chain: reading all
    /// of them is a cache miss per chain, a few milliseconds for 100,000 chains on one thread.
    static let sampledChains = 256

    static func whole(_ ruleset: Ruleset) -> Range<PrintPosition> {
        PrintPosition(table: 0, chain: 0)..<PrintPosition(table: ruleset.tables.count, chain: 0)
    }

    /// One part, or two of about equal estimated size.
    static func parts(of ruleset: Ruleset) -> [Range<PrintPosition>] {
        let whole = whole(ruleset)
        // Estimated output per table, in rule lines: a declaration line is about a third of a
        // rule line.
        let estimates = ruleset.tables.map { table -> (header: Double, perChain: Double) in
            (1 + Double(table.chains.count) / 3, rulesPerChain(table.chains))
        }
        let sizes = zip(ruleset.tables, estimates).map { table, estimate in
            estimate.header + estimate.perChain * Double(table.chains.count)
        }
        let total = sizes.reduce(0, +)
        guard total > Double(parallelThreshold) else { return [whole] }
        var before = 0.0
        for (index, size) in sizes.enumerated() {
            if before + size >= total / 2 {
                let estimate = estimates[index]
                let chains = ruleset.tables[index].chains.count
                let wanted = (total / 2 - before - estimate.header) / max(estimate.perChain, 1e-9)
                let chain = min(max(Int(wanted.rounded(.up)), 0), chains)
                // After a table's last chain is before the next table: its COMMIT goes first.
                let middle = chain == chains ? PrintPosition(table: index + 1, chain: 0) : PrintPosition(table: index, chain: chain)
                guard middle > whole.lowerBound, middle < whole.upperBound else { return [whole] }
                return [whole.lowerBound..<middle, middle..<whole.upperBound]
            }
            before += size
        }
        return [whole]
    }

    /// Average rules per regular chain, from evenly spaced chains.
    private static func rulesPerChain(_ chains: [Chain]) -> Double {
        guard !chains.isEmpty else { return 0 }
        let step = max(chains.count / sampledChains, 1)
        return chains.withUnsafeBufferPointer { chains in
            var sampled = 0
            var rules = 0
            for index in stride(from: 0, to: chains.count, by: step) where !chains[index].isBase {
                sampled += 1
                rules += chains[index].rules.count
            }
            return sampled == 0 ? 0 : Double(rules) / Double(sampled)
        }
    }

    /// Prints `part`. Tables and chains are borrowed through buffer pointers taken once per
    /// table: copying a Table or Chain, or taking a pointer per chain, would retain arrays
    /// both printing threads share, and contended refcounts cost more than the text.
    static func write(_ part: Range<PrintPosition>, of ruleset: Ruleset, with writer: RuleWriter,
                      to printer: inout ChunkedPrinter) throws {
        try ruleset.tables.withUnsafeBufferPointer { tables in
            // A part ending before chain 0 of a table prints nothing of that table.
            let tablesEnd = min(part.upperBound.chain == 0 ? part.upperBound.table : part.upperBound.table + 1, tables.count)
            for tableIndex in part.lowerBound.table..<tablesEnd {
                let table = tables.baseAddress! + tableIndex
                try table.pointee.chains.withUnsafeBufferPointer { chains in
                    let first = tableIndex == part.lowerBound.table ? part.lowerBound.chain : 0
                    let end = tableIndex == part.upperBound.table ? part.upperBound.chain : chains.count
                    if first == 0 { writeHeader(table.pointee.name, chains, to: &printer) }
                    for chainIndex in first..<end where !chains[chainIndex].isBase {
                        printer.rotateIfFull()
                        RulePrefetch.ahead(of: chainIndex, in: chains)
                        let chain = chains.baseAddress! + chainIndex
                        // A span borrows the rules without the retain and release that
                        // `withUnsafeBufferPointer` costs, an atomic write per chain.
                        let rules = chain.pointee.rules.span
                        try rules.withUnsafeBufferPointer { rules in
                            for index in rules.indices {
                                try writer.write(rules.baseAddress! + index, chain: chain.pointee.name,
                                                 table: table.pointee.name, to: &printer.buffer)
                            }
                        }
                    }
                    if end == chains.count {
                        printer.rotateIfFull()
                        printer.buffer.append("COMMIT\n" as StaticString)
                    }
                }
            }
        }
    }

    /// `*name` and a declaration of every regular chain.
    private static func writeHeader(_ name: String, _ chains: UnsafeBufferPointer<Chain>, to printer: inout ChunkedPrinter) {
        printer.rotateIfFull()
        printer.buffer.append(UInt8(ascii: "*"))
        printer.buffer.append(name)
        printer.buffer.append(UInt8(ascii: "\n"))
        for chain in chains.indices where chains[chain].attachment == nil {
            printer.rotateIfFull()
            printer.buffer.append(UInt8(ascii: ":"))
            chains[chain].name.write(to: &printer.buffer)
            printer.buffer.append(" - [0:0]\n" as StaticString)
        }
    }
}

/// Prefetch hints for the chains printed next.
///
/// A large ruleset's chains and rules live in many small heap arrays, visited in chain-name
/// order, which is unrelated to the order they were built in: printing was dominated by two
/// cache misses per rule (the rule array's header, then each rule's match array). Hints
/// issued a few chains ahead let those loads overlap the printing of the current chain.
enum RulePrefetch {
    /// How many chains ahead the rule arrays are fetched, and (closer) their match arrays.
    static let rulesDistance = 8
    static let matchesDistance = 4

    // Computed properties, folded to constants: stored ones cost a lazy-initialization
    // check per chain.
    private static var rulesOffset: Int { MemoryLayout<Chain>.offset(of: \Chain.rules)! }
    private static var matchesOffset: Int { MemoryLayout<Rule>.offset(of: \Rule.matches)! }

    static func ahead(of index: Int, in chains: UnsafeBufferPointer<Chain>) {
        let base = UnsafeRawPointer(chains.baseAddress!)
        if index + rulesDistance < chains.count {
            // The bits of the array reference, used only as a hint, which never faults.
            let chain = base + (index + rulesDistance) * MemoryLayout<Chain>.stride
            hint(chain.load(fromByteOffset: rulesOffset, as: UnsafeRawPointer?.self))
        }
        if index + matchesDistance < chains.count {
            (chains.baseAddress! + index + matchesDistance).pointee.rules.span.withUnsafeBufferPointer { rules in
                guard let first = rules.baseAddress else { return }
                for position in rules.indices {
                    let rule = UnsafeRawPointer(first + position)
                    hint(rule.load(fromByteOffset: matchesOffset, as: UnsafeRawPointer?.self))
                }
            }
        }
    }

    /// The array storage's header and the first elements span two cache lines.
    @inline(__always)
    private static func hint(_ storage: UnsafeRawPointer?) {
        guard let storage else { return }
        pp_prefetch(storage)
        pp_prefetch(storage + 64)
    }
}
