/// A packet-path graph: entry points, chains, endpoints and verdicts, with labelled edges.
public struct PathGraph: Sendable, Equatable, Encodable {
    public enum NodeKind: String, Sendable, Equatable, Encodable {
        case entry, chain, endpoint, verdict
    }

    public struct Node: Sendable, Equatable, Encodable {
        public let id: String
        public let label: String
        public let kind: NodeKind
    }

    public struct Edge: Sendable, Equatable, Encodable {
        public let from: String
        public let to: String
        /// Distinct labels the edge was seen with (different clients can take it for
        /// different reasons), in first-seen order.
        public var labels: [String]
        /// A side trip that returns (e.g. to KUBE-MARK-MASQ) rather than the way onward.
        public var returns: Bool

        public var label: String { labels.filter { !$0.isEmpty }.joined(separator: " / ") }
    }

    public var title: String
    public private(set) var nodes: [Node] = []
    public private(set) var edges: [Edge] = []

    public init(title: String) {
        self.title = title
    }

    mutating func addNode(_ id: String, label: String, kind: NodeKind) {
        if !nodes.contains(where: { $0.id == id }) { nodes.append(Node(id: id, label: label, kind: kind)) }
    }

    mutating func addEdge(from: String, to: String, label: String, returns: Bool = false) {
        if let index = edges.firstIndex(where: { $0.from == from && $0.to == to }) {
            if !edges[index].labels.contains(label) { edges[index].labels.append(label) }
            edges[index].returns = edges[index].returns && returns
        } else {
            edges.append(Edge(from: from, to: to, labels: [label], returns: returns))
        }
    }
}
