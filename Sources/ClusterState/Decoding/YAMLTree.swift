#if canImport(Glibc)
import Glibc
#endif

/// A position in the input, 1-based; columns count characters.
struct SourceMark: Sendable, Equatable {
    let line: Int
    let column: Int
}

/// The documents of one input run as flat arrays, built straight from parser events (YAML) or
/// by the JSON scanner: each node is one fixed-size record, scalar text sits in one byte buffer
/// and the children of containers in one index array. Nothing is allocated per node (a
/// composer's tree pays a String, a tag object and a mark per node), and lookups compare bytes.
///
/// A value type, built in place by its reader (no runtime exclusivity checks or reference
/// counting on the hot path), reused from document to document (`reset`), and read through a
/// `View` of plain buffer pointers.
struct YAMLTree {
    enum Kind: UInt8 {
        case scalar
        case mapping
        case sequence
    }

    struct Node: Equatable {
        var kind: Kind
        /// Scalars written unquoted: only they are typed (null, bool, int) by YAMLValue.
        var plain: Bool
        /// 1-based; 0 for a node that is in no input.
        var line: Int32
        var column: Int32
        /// Scalars: an explicit tag, as an index into `tags`; 0 for none (then a string, as
        /// for quoted scalars). Only duplicate-key detection looks at it.
        var tag: Int32
        /// Scalars: the range of `text`; containers: the range of `children` (a mapping's are
        /// key, value, key, value, …).
        var start: Int
        var count: Int
    }

    private(set) var nodes: [Node] = []
    private(set) var text: [UInt8] = []
    private(set) var children: [Int] = []
    private var tags: [String] = [""]
    /// Children of the containers still open, innermost last (the first `pendingCount` of
    /// `pending`, which never shrinks: closing a container only moves the count back), and
    /// where each one's begin.
    private var pending: [Int] = []
    private var pendingCount = 0
    private var open: [(node: Int, firstPending: Int)] = []

    /// Keys seen more than once in a mapping (as the YAML library reports them: sorted, each
    /// once) and the mark of the first occurrence of the first of them.
    struct DuplicateKeys: Error {
        let keys: [String]
        let mark: SourceMark
    }

    /// Reserves room for the tree of `count` input bytes read at once (a JSON stream), from
    /// what `kubectl get -o json` output holds per byte: growing a tree of millions of nodes
    /// copies it again and again. Untouched room costs address space, not memory.
    mutating func reserveCapacity(forInputBytes count: Int) {
        nodes.reserveCapacity(count / 16)
        children.reserveCapacity(count / 16)
        text.reserveCapacity(count / 4)
    }

    mutating func reset() {
        nodes.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        children.removeAll(keepingCapacity: true)
        pendingCount = 0
        open.removeAll(keepingCapacity: true)
    }

    // MARK: Building

    /// Adds a scalar and attaches it to the open container; returns its index.
    @discardableResult
    mutating func addScalar(_ bytes: UnsafeBufferPointer<UInt8>, plain: Bool, tag: Int32 = 0, line: Int, column: Int) -> Int {
        let index = nodes.count
        nodes.append(Node(kind: .scalar, plain: plain, line: Int32(clamping: line), column: Int32(clamping: column),
                          tag: tag, start: text.count, count: bytes.count))
        text.append(contentsOf: bytes)
        attach(index)
        return index
    }

    /// Whether the last node added is a scalar whose text is `key` (the JSON scanner's test
    /// for a document's `items`).
    func lastScalar(equals key: StaticString) -> Bool {
        guard let node = nodes.last, node.kind == .scalar, node.count == key.utf8CodeUnitCount, node.count > 0 else { return false }
        return text.withUnsafeBufferPointer { memcmp($0.baseAddress! + node.start, key.utf8Start, node.count) == 0 }
    }

    /// Appends text to the last scalar added (the JSON scanner unescapes in pieces).
    mutating func appendToLastScalar(_ bytes: UnsafeBufferPointer<UInt8>) {
        text.append(contentsOf: bytes)
        nodes[nodes.count - 1].count += bytes.count
    }

    mutating func appendToLastScalar(_ byte: UInt8) {
        text.append(byte)
        nodes[nodes.count - 1].count += 1
    }

    /// Appends the nodes of a tree built apart from a later part of the same input and
    /// attaches its `roots` to the open container, as if they had been built here; their
    /// lines are moved down by `lineOffset`.
    mutating func append(_ other: YAMLTree, roots: [Int], lineOffset: Int) {
        let nodeBase = nodes.count, textBase = text.count, childBase = children.count
        let offset = Int32(clamping: lineOffset)
        nodes.reserveCapacity(nodes.count + other.nodes.count)
        for var node in other.nodes {
            node.start += node.kind == .scalar ? textBase : childBase
            if node.line != 0 { node.line &+= offset }
            nodes.append(node)
        }
        text.append(contentsOf: other.text)
        children.reserveCapacity(children.count + other.children.count)
        for child in other.children { children.append(child + nodeBase) }
        for root in roots { attach(root + nodeBase) }
    }

    /// Starts a mapping or sequence; its children follow until `close`.
    mutating func open(_ kind: Kind, line: Int, column: Int) {
        let index = nodes.count
        nodes.append(Node(kind: kind, plain: false, line: Int32(clamping: line), column: Int32(clamping: column),
                          tag: 0, start: 0, count: 0))
        open.append((index, pendingCount))
    }

    /// Ends the innermost container, attaches it to its parent and returns its index. A
    /// mapping with a repeated key is refused, as the YAML library refused it.
    @discardableResult
    mutating func close() throws(DuplicateKeys) -> Int {
        let (index, first) = open.removeLast()
        let count = pendingCount - first
        nodes[index].start = children.count
        nodes[index].count = count
        // Copied as a buffer, and left in place (every container passes here; the generic
        // slice and removal paths cost several times more).
        pending.withUnsafeBufferPointer { children.append(contentsOf: UnsafeBufferPointer(rebasing: $0[first..<pendingCount])) }
        pendingCount = first
        // Attached first, so that a reader that records the error can go on building.
        attach(index)
        if nodes[index].kind == .mapping { try checkDuplicateKeys(index) }
        return index
    }

    /// Attaches an existing node (an alias's target) to the open container.
    mutating func attach(_ index: Int) {
        guard !open.isEmpty else { return }
        if pendingCount < pending.count {
            pending[pendingCount] = index
        } else {
            pending.append(index)
        }
        pendingCount += 1
    }

    /// The index of an explicit tag (`!!int`); the string tag and no tag are 0.
    mutating func tagIndex(_ tag: String) -> Int32 {
        if tag == "tag:yaml.org,2002:str" { return 0 }
        if let index = tags.firstIndex(of: tag) { return Int32(index) }
        tags.append(tag)
        return Int32(tags.count - 1)
    }

    private func checkDuplicateKeys(_ mapping: Int) throws(DuplicateKeys) {
        let node = nodes[mapping]
        let pairs = node.count / 2
        guard pairs > 1, hasRepeatedKey(node) else { return }
        try withView { view throws(DuplicateKeys) in
            let keys = (0..<pairs).map { view.child(mapping, 2 * $0) }
            // Mappings are small: comparing each key with the ones before it beats hashing.
            var duplicates: [Int] = []
            for pair in 1..<pairs where view.nodes[keys[pair]].kind == .scalar {
                if let earlier = keys[..<pair].first(where: { view.sameScalar($0, keys[pair]) }) { duplicates.append(earlier) }
            }
            guard !duplicates.isEmpty else { return }
            // Sorted by text, each key once, with the mark of the smallest one's first occurrence.
            var firstOccurrence: [String: Int] = [:]
            for key in duplicates where firstOccurrence[view.string(key)] == nil {
                firstOccurrence[view.string(key)] = keys.first { view.sameScalar($0, key) } ?? key
            }
            let sorted = firstOccurrence.keys.sorted()
            let first = view.nodes[firstOccurrence[sorted[0]]!]
            throw DuplicateKeys(keys: sorted, mark: SourceMark(line: Int(first.line), column: Int(first.column)))
        }
    }

    /// Whether a closed mapping has a scalar key equal to an earlier one: every mapping is
    /// checked, so this compares in place, without allocating (the error is built only when
    /// there is one).
    private func hasRepeatedKey(_ mapping: Node) -> Bool {
        withView { view in
            let keys = UnsafeBufferPointer(rebasing: view.children[mapping.start..<mapping.start + mapping.count])
            for later in stride(from: 2, to: keys.count, by: 2) where view.nodes[keys[later]].kind == .scalar {
                for earlier in stride(from: 0, to: later, by: 2) where view.sameScalar(keys[earlier], keys[later]) {
                    return true
                }
            }
            return false
        }
    }

    // MARK: Reading

    /// The tree as buffer pointers, valid only inside `body`: what the decoders read.
    func withView<T, E: Error>(_ body: (View) throws(E) -> T) throws(E) -> T {
        let result: Result<T, E> = nodes.withUnsafeBufferPointer { nodes in
            text.withUnsafeBufferPointer { text in
                children.withUnsafeBufferPointer { children in
                    do throws(E) {
                        return .success(try body(View(nodes: nodes, text: text, children: children)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
        }
        return try result.get()
    }

    /// Read access to a tree: trivially copyable, so passing values around costs no reference
    /// counting.
    struct View {
        let nodes: UnsafeBufferPointer<Node>
        let text: UnsafeBufferPointer<UInt8>
        let children: UnsafeBufferPointer<Int>

        /// Where a node starts; nil for a node that is in no input.
        func mark(_ index: Int) -> SourceMark? {
            let node = nodes[index]
            return node.line == 0 ? nil : SourceMark(line: Int(node.line), column: Int(node.column))
        }

        /// A scalar's bytes.
        @inline(__always)
        func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            let node = nodes[index]
            return UnsafeBufferPointer(start: text.baseAddress.map { $0 + node.start }, count: node.count)
        }

        /// A scalar's text.
        func string(_ index: Int) -> String { String(decoding: bytes(index), as: UTF8.self) }

        /// Whether a scalar's text is `key`'s bytes.
        @inline(__always)
        func scalar(_ index: Int, equals key: UnsafeBufferPointer<UInt8>) -> Bool {
            let node = nodes[index]
            guard node.kind == .scalar, node.count == key.count else { return false }
            return node.count == 0 || memcmp(text.baseAddress! + node.start, key.baseAddress!, node.count) == 0
        }

        func sameScalar(_ a: Int, _ b: Int) -> Bool {
            let x = nodes[a], y = nodes[b]
            guard x.kind == .scalar, y.kind == .scalar, x.tag == y.tag, x.count == y.count else { return false }
            return x.count == 0 || memcmp(text.baseAddress! + x.start, text.baseAddress! + y.start, x.count) == 0
        }

        /// The i-th child of a container.
        @inline(__always)
        func child(_ index: Int, _ position: Int) -> Int { children[nodes[index].start + position] }

        /// A view of one empty mapping that is in no input (what a decoder uses for a left-out
        /// `spec`); its storage lives as long as the process.
        nonisolated(unsafe) static let emptyMapping: View = {
            let node = UnsafeMutableBufferPointer<Node>.allocate(capacity: 1)
            node.initialize(repeating: Node(kind: .mapping, plain: false, line: 0, column: 0, tag: 0, start: 0, count: 0))
            return View(nodes: UnsafeBufferPointer(node), text: UnsafeBufferPointer(start: nil, count: 0),
                        children: UnsafeBufferPointer(start: nil, count: 0))
        }()
    }
}
