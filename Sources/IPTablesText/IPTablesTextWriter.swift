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
        String(decoding: try bytes(ruleset), as: UTF8.self)
    }

    public func bytes(_ ruleset: Ruleset) throws -> [UInt8] {
        let pieces = Piece.layout(ruleset)
        let totalWeight = pieces.reduce(0) { $0 + $1.weight }
        // Large rulesets print in two halves on two threads; each half is contiguous output.
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

        let results = UnsafeMutableBufferPointer<Result<[UInt8], any Error>>.allocate(capacity: parts)
        results.initialize(repeating: .success([]))
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let output = results
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            output[part] = Result {
                var buffer = ByteBuffer(capacity: totalWeight * 80 / parts + 4096)
                var writer = RuleWriter(family: ruleset.family)
                for piece in pieces[ranges[part]] {
                    try piece.write(ruleset, with: &writer, to: &buffer)
                }
                return buffer.bytes
            }
        }
        if parts == 1 { return try results[0].get() }
        var joined = try results[0].get()
        joined.append(contentsOf: try results[1].get())
        return joined
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

    func write(_ ruleset: Ruleset, with writer: inout RuleWriter, to out: inout ByteBuffer) throws {
        switch kind {
        case .header(let tableIndex):
            ruleset.tables.withUnsafeBufferPointer { tables in
                let table = tables.baseAddress! + tableIndex
                out.append(UInt8(ascii: "*"))
                out.append(table.pointee.name)
                out.append(UInt8(ascii: "\n"))
                table.pointee.chains.withUnsafeBufferPointer { chains in
                    for chain in chains.indices where chains[chain].attachment == nil {
                        out.append(UInt8(ascii: ":"))
                        chains[chain].name.write(to: &out)
                        out.append(" - [0:0]\n" as StaticString)
                    }
                }
            }
        case .rules(let tableIndex, let chainIndex):
            // Borrow through pointers: copying the Table or Chain would retain arrays that
            // both printing threads share, and contended refcounts cost more than the text.
            try ruleset.tables.withUnsafeBufferPointer { tables in
                let table = tables.baseAddress! + tableIndex
                try table.pointee.chains.withUnsafeBufferPointer { chains in
                    let chain = chains.baseAddress! + chainIndex
                    try chain.pointee.rules.withUnsafeBufferPointer { rules in
                        for index in rules.indices {
                            try writer.write(rules[index], chain: chain.pointee.name, table: table.pointee.name, to: &out)
                        }
                    }
                }
            }
        case .commit:
            out.append("COMMIT\n" as StaticString)
        }
    }
}
