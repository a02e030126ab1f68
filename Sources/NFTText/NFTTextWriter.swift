import NetworkAddresses
import PairedThreads
import RuleModel
import TextOutput

/// Prints nftables tables as an `nft -f` script in the form and order kube-proxy's nftables
/// library dumps its state: one `add` command a line; the table; chains by name; sets by name;
/// maps by name; the rules of every chain (chains by name, rules in order); then set elements
/// and map elements (containers by name, each container's lines in byte order).
///
/// The order is decided here, not by whoever built the tables.
public struct NFTTextWriter {
    /// At most this many threads print a large table (each a contiguous part of the text).
    public var threads: Int

    public init(threads: Int = 2) {
        self.threads = max(1, threads)
    }

    public func text(_ ruleset: Ruleset) throws -> String {
        try printed(ruleset).string
    }

    /// The text in the buffers it was printed into, never joined.
    public func printed(_ ruleset: Ruleset) throws -> PrintedText {
        var chunks: [TextChunk] = []
        for table in ruleset.tables {
            let family = table.family ?? (ruleset.family == .ipv4 ? .ip : .ip6)
            chunks += try TablePrinter(table: table, family: family).chunks(threads: threads)
        }
        return PrintedText(chunks)
    }
}

/// One table's script.
struct TablePrinter {
    let table: Table
    let family: TableFamily
    let rules: NFTRuleWriter
    /// `add rule FAMILY TABLE ` and the other command starts, made once: appending the two
    /// small Strings on every line cost more than the rest of a short line.
    let ruleStart: [UInt8]
    let chainStart: [UInt8]
    let elementStart: [UInt8]

    /// Below this many chains one thread prints faster than two start.
    static let parallelThreshold = 2_000

    init(table: Table, family: TableFamily) {
        self.table = table
        self.family = family
        rules = NFTRuleWriter(family: family)
        func start(_ verb: String) -> [UInt8] { Array((verb + " " + family.rawValue + " " + table.name + " ").utf8) }
        ruleStart = start("add rule")
        chainStart = start("add chain")
        elementStart = start("add element")
    }

    /// The script in chunks. A large table prints in two parts on two threads: declarations and
    /// the first chains' rules, then the other chains' rules and the elements.
    func chunks(threads: Int) throws -> [TextChunk] {
        let names = NameArena(table.chains, threads: threads)
        let chainOrder = names.sortedIndices(threads: threads)
        let setOrder = NameOrder.sorted(table.sets.map(\.name))
        let mapOrder = NameOrder.sorted(table.maps.map(\.name))
        guard threads > 1, table.chains.count >= TablePrinter.parallelThreshold else {
            var printer = ChunkedPrinter()
            writeDeclarations(names, chainOrder, setOrder, mapOrder, to: &printer)
            try writeRules(names, chainOrder[...], to: &printer)
            try writeElements(setOrder, mapOrder, to: &printer)
            return printer.finish()
        }
        let split = splitPoint(chainOrder, names.ruleCounts)
        let results = UnsafeMutableBufferPointer<Result<[TextChunk], any Error>>.allocate(capacity: 2)
        results.initialize(repeating: .success([]))
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let output = results
        PairedThreads.run { part in
            var printer = ChunkedPrinter()
            do {
                if part == 0 {
                    writeDeclarations(names, chainOrder, setOrder, mapOrder, to: &printer)
                    try writeRules(names, chainOrder[..<split], to: &printer)
                } else {
                    try writeRules(names, chainOrder[split...], to: &printer)
                    try writeElements(setOrder, mapOrder, to: &printer)
                }
                output[part] = .success(printer.finish())
            } catch {
                output[part] = .failure(error)
            }
        }
        return try results[0].get() + results[1].get()
    }

    /// Where the second part starts: past about half of the rules (the first part also
    /// declares every chain, the second writes the elements).
    private func splitPoint(_ order: [Int], _ ruleCounts: [Int32]) -> Int {
        ruleCounts.withUnsafeBufferPointer { counts in
            let total = counts.reduce(0) { $0 + Int($1) }
            var counted = 0
            for (position, index) in order.enumerated() {
                counted += Int(counts[index])
                if counted * 2 >= total { return position + 1 }
            }
            return order.count
        }
    }

    private func writeDeclarations(_ names: NameArena, _ chainOrder: [Int], _ setOrder: [Int], _ mapOrder: [Int],
                                   to printer: inout ChunkedPrinter) {
        printer.buffer.append("add table " as StaticString)
        printer.buffer.append(family.rawValue)
        printer.buffer.append(UInt8(ascii: " "))
        printer.buffer.append(table.name)
        if let comment = table.comment {
            printer.buffer.append(" { comment \"" as StaticString)
            printer.buffer.append(comment)
            printer.buffer.append("\" ; }" as StaticString)
        }
        printer.buffer.append(UInt8(ascii: "\n"))
        table.chains.withUnsafeBufferPointer { chains in
            for position in chainOrder.indices {
                RulePrefetch.declaration(ahead: position, in: chainOrder[...], chains: chains, names: names)
                let index = chainOrder[position]
                if names.isPlain(index) {
                    printer.buffer.append(chainStart)
                    names.write(index, to: &printer.buffer)
                    printer.buffer.append(UInt8(ascii: "\n"))
                } else {
                    writeChain(chains.baseAddress! + index, name: index, names, to: &printer.buffer)
                }
                printer.rotateIfFull()
            }
        }
        for index in setOrder { writeSet(table.sets[index], to: &printer.buffer) }
        for index in mapOrder { writeMap(table.maps[index], to: &printer.buffer) }
    }

    private func writeRules(_ names: NameArena, _ order: ArraySlice<Int>, to printer: inout ChunkedPrinter) throws {
        try table.chains.withUnsafeBufferPointer { chains in
            for position in order.indices {
                RulePrefetch.ahead(of: position, in: order, names: names)
                let index = order[position]
                let rules = names.rules(index)
                for position in rules.indices {
                    printer.buffer.append(ruleStart)
                    names.write(index, to: &printer.buffer)
                    printer.buffer.append(UInt8(ascii: " "))
                    do {
                        try self.rules.write(rules.baseAddress! + position, to: &printer.buffer)
                    } catch let problem as NFTRuleWriter.Problem {
                        throw UnrepresentableInNFT(chain: chains[index].name, reason: problem.reason)
                    }
                    printer.buffer.append(UInt8(ascii: "\n"))
                    printer.rotateIfFull()
                }
            }
        }
    }

    private func writeElements(_ setOrder: [Int], _ mapOrder: [Int], to printer: inout ChunkedPrinter) throws {
        for index in setOrder {
            let set = table.sets[index]
            try writeElements(of: set.name, count: set.elements.count, to: &printer) { position, out in
                let element = set.elements[position]
                NFTRuleWriter.writeKey(element.key, to: &out)
                writeElementComment(element.comment, to: &out)
            }
        }
        for index in mapOrder {
            let map = table.maps[index]
            try writeElements(of: map.name, count: map.entries.count, to: &printer) { position, out in
                let entry = map.entries[position]
                NFTRuleWriter.writeKey(entry.key, to: &out)
                writeElementComment(entry.comment, to: &out)
                out.append(" : " as StaticString)
                try writeMapVerdict(entry.verdict, map: map.name, to: &out)
            }
        }
    }

    /// `VERB FAMILY TABLE ` (with the trailing space).
    private func writeCommand(_ verb: StaticString, to out: inout ByteBuffer) {
        out.append(verb)
        out.append(family.rawValue)
        out.append(UInt8(ascii: " "))
        out.append(table.name)
        out.append(UInt8(ascii: " "))
    }

    private func writeChain(_ chain: UnsafePointer<Chain>, name: Int, _ names: NameArena, to out: inout ByteBuffer) {
        out.append(chainStart)
        names.write(name, to: &out)
        if chain.pointee.attachment != nil || chain.pointee.comment != nil {
            out.append(" {" as StaticString)
            if let attachment = chain.pointee.attachment {
                out.append(" type " as StaticString)
                out.append((attachment.type ?? .filter).rawValue)
                out.append(" hook " as StaticString)
                out.append(attachment.hook.nftKeyword)
                out.append(" priority " as StaticString)
                appendSigned(attachment.priority, to: &out)
                out.append(" ;" as StaticString)
            }
            if let comment = chain.pointee.comment {
                out.append(" comment \"" as StaticString)
                out.append(comment)
                out.append("\" ;" as StaticString)
            }
            out.append(" }" as StaticString)
        }
        out.append(UInt8(ascii: "\n"))
    }

    private func writeSet(_ set: NamedSet, to out: inout ByteBuffer) {
        writeCommand("add set ", to: &out)
        set.name.write(to: &out)
        out.append(" { type " as StaticString)
        writeTypes(set.keyTypes, to: &out)
        out.append(" ;" as StaticString)
        if !set.flags.isEmpty {
            out.append(" flags " as StaticString)
            var first = true
            for (flag, name) in [(SetFlags.constant, "constant"), (.dynamic, "dynamic"), (.interval, "interval"),
                                 (.timeout, "timeout")] where set.flags.contains(flag) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(name)
            }
            out.append(" ;" as StaticString)
        }
        if let seconds = set.timeoutSeconds {
            out.append(" timeout " as StaticString)
            out.appendDecimal(UInt64(seconds))
            out.append("s ;" as StaticString)
        }
        writeDeclarationComment(set.comment, to: &out)
        out.append(" }\n" as StaticString)
    }

    private func writeMap(_ map: VerdictMap, to out: inout ByteBuffer) {
        writeCommand("add map ", to: &out)
        map.name.write(to: &out)
        out.append(" { type " as StaticString)
        writeTypes(map.keyTypes, to: &out)
        out.append(" : verdict ;" as StaticString)
        writeDeclarationComment(map.comment, to: &out)
        out.append(" }\n" as StaticString)
    }

    private func writeTypes(_ types: [SetDataType], to out: inout ByteBuffer) {
        for (position, type) in types.enumerated() {
            if position > 0 { out.append(" . " as StaticString) }
            out.append(type.rawValue)
        }
    }

    private func writeDeclarationComment(_ comment: String?, to out: inout ByteBuffer) {
        guard let comment else { return }
        out.append(" comment \"" as StaticString)
        out.append(comment)
        out.append("\" ;" as StaticString)
    }

    private func writeElementComment(_ comment: String?, to out: inout ByteBuffer) {
        guard let comment else { return }
        out.append(" comment \"" as StaticString)
        out.append(comment)
        out.append(UInt8(ascii: "\""))
    }

    /// Only verdicts a map can hold (no `reject`, no statements).
    private func writeMapVerdict(_ verdict: Verdict, map: ChainName, to out: inout ByteBuffer) throws {
        switch verdict {
        case .accept, .drop, .return, .jump, .goto:
            do { try rules.write(verdict, to: &out) } catch let problem { throw UnrepresentableInNFT(chain: map, reason: problem.reason) }
        default:
            throw UnrepresentableInNFT(chain: map, reason: "a map value that is not a plain verdict (\(verdict))")
        }
    }

    /// The container's `add element` lines in byte order. Every line starts alike, so the
    /// element texts (`{ … }`) are printed into one scratch buffer and sorted there.
    private func writeElements(of name: ChainName, count: Int, to printer: inout ChunkedPrinter,
                               _ element: (Int, inout ByteBuffer) throws -> Void) throws {
        guard count > 0 else { return }
        var scratch = ByteBuffer(capacity: count * 48)
        var ranges: [(start: Int, end: Int)] = []
        ranges.reserveCapacity(count)
        for position in 0..<count {
            let start = scratch.count
            try element(position, &scratch)
            ranges.append((start, scratch.count))
        }
        scratch.withUnsafeBytes { bytes in
            ranges.sort { lhs, rhs in
                let left = UnsafeBufferPointer(rebasing: bytes.bindMemory(to: UInt8.self)[lhs.start..<lhs.end])
                let right = UnsafeBufferPointer(rebasing: bytes.bindMemory(to: UInt8.self)[rhs.start..<rhs.end])
                return NameOrder.compare(left, right) < 0
            }
            for range in ranges {
                printer.buffer.append(elementStart)
                name.write(to: &printer.buffer)
                printer.buffer.append(" { " as StaticString)
                printer.buffer.append(UnsafeRawBufferPointer(rebasing: bytes[range.start..<range.end]))
                printer.buffer.append(" }\n" as StaticString)
                printer.rotateIfFull()
            }
        }
    }

    private func appendSigned(_ value: Int32, to out: inout ByteBuffer) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        out.appendDecimal(UInt64(value.magnitude))
    }
}

extension NFTTextWriter {
    /// A set key as `nft` writes it in an element (`10.96.0.10 . tcp . 53`).
    public static func keyText(_ key: [KeyComponent]) -> String {
        var out = ByteBuffer(capacity: 64)
        NFTRuleWriter.writeKey(key, to: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
