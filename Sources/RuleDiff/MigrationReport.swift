/// One probe that ends differently on the two sides.
public struct MigrationDifference: Sendable, Encodable, Equatable {
    public var family: String
    /// `ClusterIP 172.30.0.20:80/tcp`, `NodePort 30080/tcp`.
    public var entryPoint: String
    /// `from 10.0.0.1 to 172.30.0.20:80`.
    public var probe: String
    /// Each side's endings with their probabilities.
    public var a: [String]
    public var b: [String]
    /// Why the modes differ here on purpose; nil for a real difference.
    public var byDesign: String?
}

public struct MigrationServicePort: Sendable, Encodable, Equatable {
    /// `namespace/name:port`.
    public var name: String
    public var differences: [MigrationDifference]

    /// Differences that are not by design.
    public var realDifferences: [MigrationDifference] { differences.filter { $0.byDesign == nil } }
}

/// The result of `packetpath diff` between an iptables-mode and an nftables-mode side.
public struct MigrationReport: Sendable, Encodable {
    public var sideA: String
    public var sideB: String
    public var backendA: String
    public var backendB: String
    public var comparedServicePorts = 0
    public var comparedEntryPoints = 0
    public var comparedProbes = 0
    /// Service ports where some probe ends differently (by design or not).
    public var servicePorts: [MigrationServicePort] = []
    /// Node-level differences by design (not per Service port).
    public var byDesignNotes: [String] = []
    public var notes: [String] = []

    public init(sideA: String, sideB: String, backendA: String, backendB: String) {
        self.sideA = sideA
        self.sideB = sideB
        self.backendA = backendA
        self.backendB = backendB
    }

    /// Service ports that behave differently, not counting differences by design.
    public var differingServicePorts: [String] { servicePorts.filter { !$0.realDifferences.isEmpty }.map(\.name) }

    /// True when every Service port behaves the same (differences by design aside).
    public var isEmpty: Bool { differingServicePorts.isEmpty }

    enum CodingKeys: String, CodingKey {
        case sideA, sideB, backendA, backendB, comparedServicePorts, comparedEntryPoints, comparedProbes, servicePorts,
             differingServicePorts, byDesignNotes, notes, same
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sideA, forKey: .sideA)
        try container.encode(sideB, forKey: .sideB)
        try container.encode(backendA, forKey: .backendA)
        try container.encode(backendB, forKey: .backendB)
        try container.encode(comparedServicePorts, forKey: .comparedServicePorts)
        try container.encode(comparedEntryPoints, forKey: .comparedEntryPoints)
        try container.encode(comparedProbes, forKey: .comparedProbes)
        try container.encode(servicePorts, forKey: .servicePorts)
        try container.encode(differingServicePorts, forKey: .differingServicePorts)
        try container.encode(byDesignNotes, forKey: .byDesignNotes)
        try container.encode(notes, forKey: .notes)
        try container.encode(isEmpty, forKey: .same)
    }

    public var text: String {
        var out = (backendA == backendB ? "behaviour diff" : "migration diff") + ": A = \(sideA) (\(backendA)), B = \(sideB) (\(backendB))\n"
        out += "compared \(comparedServicePorts) Service ports, \(comparedEntryPoints) entry points, \(comparedProbes) probes per side\n"
        for port in servicePorts {
            let real = port.realDifferences.count
            out += "\n\(port.name): " + (real == 0 ? "same (differences by design only)" : "\(real) difference\(real == 1 ? "" : "s")") + "\n"
            for difference in port.differences {
                out += "  \(difference.family) \(difference.entryPoint), \(difference.probe)"
                    + (difference.byDesign.map { "\n    (\($0))" } ?? "") + "\n"
                out += "    A: " + (difference.a.isEmpty ? "nothing" : difference.a.joined(separator: "; ")) + "\n"
                out += "    B: " + (difference.b.isEmpty ? "nothing" : difference.b.joined(separator: "; ")) + "\n"
            }
        }
        if !byDesignNotes.isEmpty {
            out += "\nnode-level differences by design (not counted):\n" + byDesignNotes.map { "  \($0)\n" }.joined()
        }
        for note in notes { out += "note: \(note)\n" }
        out += isEmpty ? "\nevery Service port behaves the same\n"
            : "\nService ports that behave differently: " + differingServicePorts.joined(separator: ", ") + "\n"
        return out
    }
}
