import CPrefetch
import Dispatch
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
    /// in two halves on two threads, each into a series of megabyte chunks.
    public func printed(_ ruleset: Ruleset) throws -> PrintedText {
        let pieces = Piece.layout(ruleset)
        let totalWeight = pieces.reduce(0) { $0 + $1.weight }
        let parts = totalWeight > 20_000 ? min(threads, 2) : 1
        var middle = pieces.count
        if parts == 2 {
            var running = 0
            middle = pieces.firstIndex { piece in
                running += piece.weight
                return running * 2 >= totalWeight
            }.map { $0 + 1 } ?? pieces.count
        }
        let ranges = parts == 2 ? [0..<middle, middle..<pieces.count] : [0..<pieces.count]

        let results = UnsafeMutableBufferPointer<Result<[TextChunk], any Error>>.allocate(capacity: parts)
        results.initialize(repeating: .success([]))
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let output = results
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var printer = ChunkedPrinter()
            let writer = RuleWriter(family: ruleset.family)
            do {
                try Piece.write(pieces[ranges[part]], of: ruleset, with: writer, to: &printer)
                output[part] = .success(printer.finish())
            } catch {
                output[part] = .failure(error)
            }
        }
        var chunks: [TextChunk] = []
        for result in results { chunks += try result.get() }
        return PrintedText(chunks)
    }
}

/// A unit of output, in order: a table's opening line and chain declarations, one chain's
/// rules, or a table's COMMIT.
private struct Piece {
    enum Kind {
        case header(table: Int)
        case rules(table: Int, chain: Int)
        case commit
    }

    let kind: Kind
    /// Roughly proportional to the bytes printed (in rule lines), to split work evenly.
    let weight: Int

    static func layout(_ ruleset: Ruleset) -> [Piece] {
        var pieces: [Piece] = []
        for (tableIndex, table) in ruleset.tables.enumerated() {
            // A declaration line is about a third of a rule line.
            pieces.append(Piece(kind: .header(table: tableIndex), weight: 1 + table.chains.count / 3))
            for (chainIndex, chain) in table.chains.enumerated() where !chain.isBase {
                pieces.append(Piece(kind: .rules(table: tableIndex, chain: chainIndex), weight: chain.rules.count))
            }
            pieces.append(Piece(kind: .commit, weight: 1))
        }
        return pieces
    }

    var table: Int {
        switch kind {
        case .header(let table), .rules(let table, _): return table
        case .commit: return -1
        }
    }

    /// Writes a run of pieces. Tables and chains are borrowed through buffer pointers taken
    /// once per table: copying a Table or Chain, or taking a pointer per chain, would retain
    /// arrays both printing threads share, and contended refcounts cost more than the text.
    static func write(_ pieces: ArraySlice<Piece>, of ruleset: Ruleset, with writer: RuleWriter,
                      to printer: inout ChunkedPrinter) throws {
        try ruleset.tables.withUnsafeBufferPointer { tables in
            var position = pieces.startIndex
            while position < pieces.endIndex {
                if case .commit = pieces[position].kind {
                    printer.buffer.append("COMMIT\n" as StaticString)
                    position += 1
                    continue
                }
                let tableIndex = pieces[position].table
                let table = tables.baseAddress! + tableIndex
                try table.pointee.chains.withUnsafeBufferPointer { chains in
                    while position < pieces.endIndex, pieces[position].table == tableIndex {
                        printer.rotateIfFull()
                        switch pieces[position].kind {
                        case .header:
                            printer.buffer.append(UInt8(ascii: "*"))
                            printer.buffer.append(table.pointee.name)
                            printer.buffer.append(UInt8(ascii: "\n"))
                            for chain in chains.indices where chains[chain].attachment == nil {
                                printer.rotateIfFull()
                                printer.buffer.append(UInt8(ascii: ":"))
                                chains[chain].name.write(to: &printer.buffer)
                                printer.buffer.append(" - [0:0]\n" as StaticString)
                            }
                        case .rules(_, let chainIndex):
                            RulePrefetch.ahead(of: chainIndex, in: chains)
                            let chain = chains.baseAddress! + chainIndex
                            try chain.pointee.rules.withUnsafeBufferPointer { rules in
                                for index in rules.indices {
                                    try writer.write(rules.baseAddress! + index, chain: chain.pointee.name,
                                                     table: table.pointee.name, to: &printer.buffer)
                                }
                            }
                        case .commit:
                            break
                        }
                        position += 1
                    }
                }
            }
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

    private static let rulesOffset = MemoryLayout<Chain>.offset(of: \Chain.rules)!
    private static let matchesOffset = MemoryLayout<Rule>.offset(of: \Rule.matches)!

    static func ahead(of index: Int, in chains: UnsafeBufferPointer<Chain>) {
        let base = UnsafeRawPointer(chains.baseAddress!)
        if index + rulesDistance < chains.count {
            // The bits of the array reference, used only as a hint, which never faults.
            let chain = base + (index + rulesDistance) * MemoryLayout<Chain>.stride
            hint(chain.load(fromByteOffset: rulesOffset, as: UnsafeRawPointer?.self))
        }
        if index + matchesDistance < chains.count {
            chains[index + matchesDistance].rules.withUnsafeBufferPointer { rules in
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
