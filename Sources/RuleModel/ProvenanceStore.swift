/// Where a rule's or chain's `Provenance` is kept: one 32-bit word in the rule or chain, naming
/// an entry of its table's `ProvenanceStore`. Held inline, provenance made `Rule` 80 bytes
/// instead of 64 and `Chain` 96 instead of 80; this word fits in their padding, so compiling
/// and printing move no more memory than before provenance existed.
///
/// The top 8 bits name a segment (one per builder thread, filled without coordination), the
/// low 24 bits the entry plus one; 0 means none.
public struct ProvenanceID: Sendable, Hashable {
    @usableFromInline let raw: UInt32

    /// Computed and inlinable, not a stored global: every rule built without provenance
    /// reads it, and a global's accessor was a call (with a once-check) per rule.
    @inlinable public static var none: ProvenanceID { ProvenanceID(raw: 0) }

    @usableFromInline static var indexBits: UInt32 { 24 }
    @usableFromInline static var maximumIndex: Int { Int(1 << indexBits) - 2 }

    @usableFromInline init(raw: UInt32) { self.raw = raw }

    @inlinable init(segment: Int, index: Int) {
        precondition(segment < 256 && index <= ProvenanceID.maximumIndex, "provenance store full")
        raw = UInt32(segment) << ProvenanceID.indexBits | UInt32(index + 1)
    }

    public var isNone: Bool { raw == 0 }

    var segment: Int { Int(raw >> ProvenanceID.indexBits) }
    var index: Int { Int(raw & (1 << ProvenanceID.indexBits - 1)) - 1 }

    /// The same entry once its segment is the store's `segment`.
    func moved(toSegment segment: Int) -> ProvenanceID {
        isNone ? self : ProvenanceID(segment: segment, index: index)
    }
}

/// The provenance one builder (one thread of a layout) records, before its chains join a table.
///
/// Stored compactly: a layout records a provenance for each of 100,000 chains, nearly all of
/// them a part of a Service port it has just recorded another part of. Each entry is one word,
/// the port's place in `ports` (each port kept once) and the part's code, so recording one
/// neither retains the port nor stores an enum; other provenance is kept whole in `values`.
public struct ProvenanceSegment: Sendable {
    /// The segment number the IDs handed out carry: the builder's place in the table's store.
    public let number: Int
    /// Per entry: the part's code (`ServicePortPart.code`) in the high 32 bits and the port's
    /// index in `ports` in the low ones; code 0 for an entry of `values`, indexed by the low bits.
    @usableFromInline var entries: [UInt64] = []
    @usableFromInline var ports: [ServicePortSource] = []
    /// The last port appended to `ports` (alive as long as the segment holds it).
    @usableFromInline var lastPort: ObjectIdentifier? = nil
    @usableFromInline var values: [Provenance] = []

    public init(number: Int = 0) {
        self.number = number
    }

    /// Records `provenance`; the ID is valid in a table whose store holds this segment at `number`.
    /// Inlinable: layouts record one for each of 100,000 chains, and the call across modules
    /// cost more than the append.
    @inlinable public mutating func record(_ provenance: Provenance) -> ProvenanceID {
        if case .servicePort(let source, let part) = provenance {
            return record(source, part)
        }
        return recordWhole(provenance)
    }

    /// Records `part` of `port`, the same as `record(.servicePort(port, part))`. Always
    /// inlined: with the part known where it is called, its code is a constant.
    @inlinable @inline(__always) public mutating func record(_ port: ServicePortSource, _ part: ServicePortPart) -> ProvenanceID {
        guard let code = part.code else { return recordWhole(.servicePort(port, part)) }
        if lastPort != ObjectIdentifier(port) {
            ports.append(port)
            lastPort = ObjectIdentifier(port)
        }
        entries.append(code << 32 | UInt64(ports.count - 1))
        return ProvenanceID(segment: number, index: entries.count - 1)
    }

    @usableFromInline mutating func recordWhole(_ provenance: Provenance) -> ProvenanceID {
        values.append(provenance)
        entries.append(UInt64(values.count - 1))
        return ProvenanceID(segment: number, index: entries.count - 1)
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Room for `count` entries, of about `ports` Service ports.
    public mutating func reserveCapacity(_ count: Int, ports: Int = 0) {
        entries.reserveCapacity(count)
        self.ports.reserveCapacity(ports)
    }

    /// The entry at `index`, nil past the end.
    subscript(index: Int) -> Provenance? {
        guard entries.indices.contains(index) else { return nil }
        let entry = entries[index]
        let low = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
        let code = entry >> 32
        return code == 0 ? values[low] : .servicePort(ports[low], ServicePortPart(code: code))
    }
}

/// A table's provenance entries, by segment. Printers, encoders and equality ignore it.
public struct ProvenanceStore: Sendable {
    private var segments: [ProvenanceSegment] = []

    public init() {}

    /// A store of `segments`, each at its own `number` (numbers must be 0, 1, ... in order).
    public init(_ segments: [ProvenanceSegment]) {
        for (position, segment) in segments.enumerated() {
            precondition(segment.number == position, "segment \(segment.number) stored at \(position)")
        }
        self.segments = segments
    }

    public subscript(id: ProvenanceID) -> Provenance? {
        guard !id.isNone, id.segment < segments.count else { return nil }
        return segments[id.segment][id.index]
    }

    /// Adds `provenance` in a segment of its own kind (after every builder's).
    mutating func record(_ provenance: Provenance) -> ProvenanceID {
        if segments.isEmpty || !lateSegment {
            segments.append(ProvenanceSegment(number: segments.count))
            lateSegment = true
        }
        return segments[segments.count - 1].record(provenance)
    }

    /// Whether the last segment was opened by `record` (and so may grow), not by a builder.
    private var lateSegment = false

    /// Appends `segment` under the next free number; returns that number.
    mutating func append(_ segment: ProvenanceSegment) -> Int {
        segments.append(segment)
        lateSegment = false
        return segments.count - 1
    }
}

extension Table {
    /// What `id` (a chain's or rule's) stands for.
    public func provenance(_ id: ProvenanceID) -> Provenance? {
        provenances[id]
    }

    /// What the chain was laid out for, and so each of its rules that has none of its own.
    public func provenance(of chain: Chain) -> Provenance? {
        provenances[chain.provenanceID]
    }

    /// What `rule` of `chain` was laid out for: its own provenance, else its chain's.
    public func provenance(of rule: Rule, in chain: Chain) -> Provenance? {
        provenances[rule.provenanceID] ?? provenances[chain.provenanceID]
    }

    /// Gives the chain at `position` `provenance` (nil: none).
    public mutating func setProvenance(_ value: Provenance?, ofChainAt position: Int) {
        chains[position].provenanceID = value.map { provenances.record($0) } ?? ProvenanceID.none
    }

    /// Gives rule `rule` of the chain at `position` `provenance` (nil: none).
    public mutating func setProvenance(_ value: Provenance?, ofRule rule: Int, inChainAt position: Int) {
        chains[position].rules[rule].provenanceID = value.map { provenances.record($0) } ?? ProvenanceID.none
    }

    /// Gives element `entry` of the map at `position` `provenance` (nil: none).
    public mutating func setProvenance(_ value: Provenance?, ofEntry entry: Int, inMapAt position: Int) {
        maps[position].entries[entry].provenanceID = value.map { provenances.record($0) } ?? ProvenanceID.none
    }

    /// Appends chains built with `segment`'s IDs (any number), renumbering their IDs to the
    /// segment's place in this table's store.
    public mutating func append(_ chains: consuming [Chain], recordedIn segment: ProvenanceSegment) {
        let number = provenances.append(segment)
        if number != segment.number {
            for index in chains.indices {
                chains[index].provenanceID = chains[index].provenanceID.moved(toSegment: number)
                for rule in chains[index].rules.indices where !chains[index].rules[rule].provenanceID.isNone {
                    chains[index].rules[rule].provenanceID = chains[index].rules[rule].provenanceID.moved(toSegment: number)
                }
            }
        }
        self.chains.moveAppending(&chains)
    }
}
