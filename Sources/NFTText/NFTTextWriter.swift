import NetworkAddresses
import RuleModel
import TextOutput

/// Prints nftables tables as an `nft -f` script in the form and order kube-proxy's nftables
/// library dumps its state: one `add` command a line; the table; chains by name; sets by name;
/// maps by name; the rules of every chain (chains by name, rules in order); then set elements
/// and map elements (containers by name, each container's lines in byte order).
///
/// The order is decided here, not by whoever built the tables.
public struct NFTTextWriter {
    public init() {}

    public func text(_ ruleset: Ruleset) throws -> String {
        try printed(ruleset).string
    }

    public func printed(_ ruleset: Ruleset) throws -> PrintedText {
        var printer = ChunkedPrinter()
        for table in ruleset.tables {
            let family = table.family ?? (ruleset.family == .ipv4 ? .ip : .ip6)
            try TablePrinter(table: table, family: family).write(to: &printer)
        }
        return PrintedText(printer.finish())
    }
}

/// One table's script.
struct TablePrinter {
    let table: Table
    let family: TableFamily
    let rules: NFTRuleWriter

    init(table: Table, family: TableFamily) {
        self.table = table
        self.family = family
        rules = NFTRuleWriter(family: family)
    }

    func write(to printer: inout ChunkedPrinter) throws {
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

        let chainOrder = NameOrder.sorted(table.chains.map(\.name))
        let setOrder = NameOrder.sorted(table.sets.map(\.name))
        let mapOrder = NameOrder.sorted(table.maps.map(\.name))

        for index in chainOrder {
            writeChain(table.chains[index], to: &printer.buffer)
            printer.rotateIfFull()
        }
        for index in setOrder { writeSet(table.sets[index], to: &printer.buffer) }
        for index in mapOrder { writeMap(table.maps[index], to: &printer.buffer) }
        for index in chainOrder {
            let chain = table.chains[index]
            for rule in chain.rules {
                writeCommand("add rule ", to: &printer.buffer)
                chain.name.write(to: &printer.buffer)
                printer.buffer.append(UInt8(ascii: " "))
                try rules.write(rule, chain: chain.name, to: &printer.buffer)
                printer.buffer.append(UInt8(ascii: "\n"))
                printer.rotateIfFull()
            }
        }
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

    private func writeChain(_ chain: Chain, to out: inout ByteBuffer) {
        writeCommand("add chain ", to: &out)
        chain.name.write(to: &out)
        if chain.attachment != nil || chain.comment != nil {
            out.append(" {" as StaticString)
            if let attachment = chain.attachment {
                out.append(" type " as StaticString)
                out.append((attachment.type ?? .filter).rawValue)
                out.append(" hook " as StaticString)
                out.append(attachment.hook.nftKeyword)
                out.append(" priority " as StaticString)
                appendSigned(attachment.priority, to: &out)
                out.append(" ;" as StaticString)
            }
            if let comment = chain.comment {
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
            try rules.write(verdict, chain: map, to: &out)
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
                writeCommand("add element ", to: &printer.buffer)
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
