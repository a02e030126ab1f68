import ClusterState
import NetworkAddresses

/// The header comments of an expected.txt (netpol-cases/README.md, "Comment headers").
public struct ExpectedHeaders: Sendable, Hashable {
    public struct External: Sendable, Hashable {
        public var address: IPAddress
        public var ports: [PortProtocol]
    }

    public struct ServiceSummary: Sendable, Hashable {
        public var namespace: String
        public var name: String
        public var clusterIP: IPAddress
        /// `PORT/PROTO->TARGET` entries; the target is a number or a port name.
        public var ports: [(port: PortProtocol, target: String)]

        public static func == (lhs: ServiceSummary, rhs: ServiceSummary) -> Bool {
            lhs.namespace == rhs.namespace && lhs.name == rhs.name && lhs.clusterIP == rhs.clusterIP
                && lhs.ports.map { "\($0.port)->\($0.target)" } == rhs.ports.map { "\($0.port)->\($0.target)" }
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(namespace)
            hasher.combine(name)
        }
    }

    public var caseName = ""
    public var title = ""
    public var description = ""
    public var features: [String] = []
    public var upstream: String?
    public var labelChanges = ""
    public var probes: [PortProtocol] = []
    public var externals: [External] = []
    public var services: [ServiceSummary] = []
}

/// A parsed expected.txt: headers and probe lines.
public struct ExpectedFile: Sendable {
    public var headers: ExpectedHeaders
    public var lines: [ProbeLine]

    /// Parses the text strictly: headers in the README's order, probe lines of exactly four
    /// single-space-separated fields, no repeated (FROM, TO, PORT/PROTO).
    public init(parsing text: String, file: String = "expected.txt") throws {
        var parser = ExpectedFileParser(file: file)
        (headers, lines) = try parser.parse(text)
    }
}

struct ExpectedFileParser {
    let file: String
    private var headers = ExpectedHeaders()
    private var seenKeys: [String] = []
    private static let order = ["case", "title", "description", "features", "upstream", "label-changes",
                                "probes", "externals", "service"]
    private static let required = ["case", "title", "description", "features", "label-changes", "probes"]

    init(file: String) {
        self.file = file
    }

    mutating func parse(_ text: String) throws -> (ExpectedHeaders, [ProbeLine]) {
        var lines: [ProbeLine] = []
        var keys = Set<String>()
        var section = ""
        var inHeader = true
        var lastKey: String?
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.hasPrefix("## ") {
                inHeader = false
                section = String(line.dropFirst(3))
                continue
            }
            if line.isEmpty || line.hasPrefix("#") {
                if inHeader { try header(line, number, &lastKey, &inHeader) }
                continue
            }
            inHeader = false
            let probe = try probeLine(line, number, section: section)
            guard keys.insert(probe.key).inserted else {
                throw error(number, "\(probe.key) appears twice")
            }
            lines.append(probe)
        }
        for key in Self.required where !seenKeys.contains(key) {
            throw LabError("\(file): header '# \(key):' is missing")
        }
        return (headers, lines)
    }

    // MARK: Headers

    private mutating func header(_ line: Substring, _ number: Int, _ lastKey: inout String?, _ inHeader: inout Bool) throws {
        if line == "#" || line.isEmpty {
            // The blank comment after the headers starts the verdict reminder.
            if !seenKeys.isEmpty { inHeader = false }
            return
        }
        if line.hasPrefix("#   "), lastKey == "description" {
            headers.description += "\n" + line.dropFirst(4).trimmingSpaces()
            return
        }
        guard line.hasPrefix("# "), let colon = line.firstIndex(of: ":") else {
            throw error(number, "expected a '# key: value' header, found '\(line)'")
        }
        let key = String(line[line.index(line.startIndex, offsetBy: 2)..<colon])
        let value = line[line.index(after: colon)...].trimmingSpaces()
        guard let rank = Self.order.firstIndex(of: key) else { throw error(number, "unknown header '\(key)'") }
        if let previous = seenKeys.last, let previousRank = Self.order.firstIndex(of: previous) {
            guard rank > previousRank || (key == "service" && previous == "service") else {
                throw error(number, "header '\(key)' is out of order (after '\(previous)')")
            }
        }
        seenKeys.append(key)
        lastKey = key
        switch key {
        case "case": headers.caseName = value
        case "title": headers.title = value
        case "description": headers.description = value
        case "features": headers.features = value.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        case "upstream": headers.upstream = value
        case "label-changes": headers.labelChanges = value
        case "probes": headers.probes = try value.split(separator: " ").map { try portProtocol($0, number) }
        case "externals": headers.externals = try value.split(separator: " ").map { try external($0, number) }
        default: headers.services.append(try service(value, number))
        }
    }

    /// `ip:A.B.C.D(PORT/PROTO,...)`
    private func external(_ text: Substring, _ number: Int) throws -> ExpectedHeaders.External {
        guard text.hasPrefix("ip:"), let open = text.firstIndex(of: "("), text.hasSuffix(")"),
              let address = IPAddress(text[text.index(text.startIndex, offsetBy: 3)..<open]) else {
            throw error(number, "bad external '\(text)'")
        }
        let ports = try text[text.index(after: open)..<text.index(before: text.endIndex)]
            .split(separator: ",").map { try portProtocol($0, number) }
        return ExpectedHeaders.External(address: address, ports: ports)
    }

    /// `ns/name clusterIP A.B.C.D ports PORT/PROTO->TARGET ...`
    private func service(_ text: String, _ number: Int) throws -> ExpectedHeaders.ServiceSummary {
        let words = text.split(separator: " ")
        guard words.count >= 4, words[1] == "clusterIP", words[3] == "ports",
              let (namespace, name) = Self.namespacedName(words[0]), let clusterIP = IPAddress(words[2]) else {
            throw error(number, "bad service header '\(text)'")
        }
        let ports = try words.dropFirst(4).map { entry -> (PortProtocol, String) in
            let halves = entry.split(separator: ">", maxSplits: 1, omittingEmptySubsequences: false)
            guard halves.count == 2, halves[0].hasSuffix("-"), !halves[1].isEmpty else {
                throw error(number, "bad service port '\(entry)'")
            }
            return (try portProtocol(halves[0].dropLast(), number), String(halves[1]))
        }
        return ExpectedHeaders.ServiceSummary(namespace: namespace, name: name, clusterIP: clusterIP,
                                              ports: ports.map { (port: $0.0, target: $0.1) })
    }

    // MARK: Probe lines

    private func probeLine(_ line: Substring, _ number: Int, section: String) throws -> ProbeLine {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 4, fields.allSatisfy({ !$0.isEmpty }) else {
            throw error(number, "expected 'FROM TO PORT/PROTO allow|deny' with single spaces, found '\(line)'")
        }
        guard let verdict = ProbeVerdict(rawValue: String(fields[3])) else {
            throw error(number, "verdict must be allow or deny, found '\(fields[3])'")
        }
        return ProbeLine(from: try source(fields[0], number), to: try target(fields[1], number),
                         port: try portProtocol(fields[2], number), verdict: verdict,
                         lineNumber: number, section: section)
    }

    private func source(_ text: Substring, _ number: Int) throws -> ProbeSource {
        if text.hasPrefix("ip:") { return .external(try address(text.dropFirst(3), number)) }
        guard let (namespace, name) = Self.namespacedName(text) else { throw error(number, "bad FROM '\(text)'") }
        return .pod(namespace: namespace, name: name)
    }

    private func target(_ text: Substring, _ number: Int) throws -> ProbeTarget {
        if text.hasPrefix("ip:") { return .external(try address(text.dropFirst(3), number)) }
        if text.hasPrefix("svc:") {
            guard let (namespace, name) = Self.namespacedName(text.dropFirst(4)) else { throw error(number, "bad TO '\(text)'") }
            return .service(namespace: namespace, name: name)
        }
        guard let (namespace, name) = Self.namespacedName(text) else { throw error(number, "bad TO '\(text)'") }
        return .pod(namespace: namespace, name: name)
    }

    private func address(_ text: Substring, _ number: Int) throws -> IPAddress {
        guard let address = IPAddress(text), address.family == .ipv4 else {
            throw error(number, "'\(text)' is not an IPv4 address")
        }
        return address
    }

    private func portProtocol(_ text: Substring, _ number: Int) throws -> PortProtocol {
        guard let value = PortProtocol(parsing: text) else { throw error(number, "bad PORT/PROTO '\(text)'") }
        return value
    }

    static func namespacedName(_ text: Substring) -> (String, String)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    private func error(_ number: Int, _ message: String) -> LabError {
        LabError("\(file):\(number): \(message)")
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
