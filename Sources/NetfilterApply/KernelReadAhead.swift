import Dispatch
import NetfilterNetlink
import NetworkNamespaces

/// What a fresh apply reads before it needs the desired rules: the ruleset generation, each
/// family's tables and PacketPath's chain-digest record (`ChainDigests`, 110,000 elements at
/// 10,000 Services). Nothing of it depends on the rulesets, so a process that still has to
/// decode and compile them (the `packetpath apply` command) reads it meanwhile on another
/// thread. An apply uses it only while the kernel's generation is still the one read first:
/// then nobody has committed since, and the tables and record are the kernel's.
struct KernelSnapshot: Sendable {
    let generation: UInt32
    /// Per `Session.families`.
    let tables: [[TableInfo]]
    let digests: [[ChainDigests.Key: UInt64]?]

    static func read(_ connection: KernelConnection) throws -> KernelSnapshot {
        let generation = try connection.generation()
        return try read(connection, generation: generation, tables: Session.families.map { try connection.tables(family: $0) })
    }

    /// The rest, after the generation and `tables` (per `Session.families`) were read.
    static func read(_ connection: KernelConnection, generation: UInt32, tables: [[TableInfo]]) throws -> KernelSnapshot {
        let digests = try zip(Session.families, tables).map { try ChainDigests.read(connection, family: $0, tables: $1) }
        return KernelSnapshot(generation: generation, tables: tables, digests: digests)
    }
}

/// A snapshot of one layout's bookkeeping: the type says which apply can use it.
enum LayoutSnapshot: Sendable {
    case iptables(KernelSnapshot)
    case nftables(NFTablesSnapshot)

    /// For an apply whose layout is not known yet (`packetpath apply` without `--backend`,
    /// before the manifests are decoded): one read of the tables, then the record of the
    /// layout the namespace was last written with — the nftables one when PacketPath's
    /// nftables digest record is there (a namespace runs one layout at a time), else the
    /// iptables one (none at all reads as that, with no digests).
    static func read(_ connection: KernelConnection) throws -> LayoutSnapshot {
        let generation = try connection.generation()
        let tables = try Session.families.map { try connection.tables(family: $0) }
        let byFamily = Dictionary(uniqueKeysWithValues: zip(Session.families, tables))
        if byFamily[NFTablesDigestRecord.table.family]?.contains(where: NFTablesDigestRecord.isRecord) == true {
            return .nftables(try NFTablesSnapshot.read(connection, generation: generation, tables: byFamily))
        }
        return .iptables(try KernelSnapshot.read(connection, generation: generation, tables: tables))
    }
}

/// A `LayoutSnapshot` being read on a thread of its own (`NetfilterApplier.readAhead`,
/// `NFTablesApplier.readAhead`, `KernelReadAhead.eitherLayout`). Any failure is left for the
/// apply to meet and report: it then reads everything itself, as it does when handed the
/// other layout's snapshot.
public final class KernelReadAhead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var snapshot: LayoutSnapshot?
    private var taken = false

    init(_ read: @escaping @Sendable () -> LayoutSnapshot?) {
        DispatchQueue.global().async {
            self.snapshot = read()
            self.done.signal()
        }
    }

    /// Already read.
    init(read snapshot: LayoutSnapshot?) {
        self.snapshot = snapshot
        done.signal()
    }

    /// Waits for the read; the snapshot is handed out once, to the apply of either layout.
    func take() -> LayoutSnapshot? {
        if taken { return nil }
        taken = true
        done.wait()
        defer { snapshot = nil }
        return snapshot
    }

    /// The iptables layout's snapshot; nil (the apply reads for itself) when it was not one.
    func takeIPTables() -> KernelSnapshot? {
        guard case .iptables(let snapshot) = take() else { return nil }
        return snapshot
    }

    /// The nftables layout's snapshot; nil (the apply reads for itself) when it was not one.
    func takeNFTables() -> NFTablesSnapshot? {
        guard case .nftables(let snapshot) = take() else { return nil }
        return snapshot
    }

    /// Reads ahead for whichever layout `namespace` was last written with
    /// (`LayoutSnapshot.read`), for an apply whose layout the rulesets decide.
    public static func eitherLayout(_ namespace: NetworkNamespace) -> KernelReadAhead {
        reading(namespace, LayoutSnapshot.read)
    }

    /// The same through any connection (the in-memory `FakeKernel` in tests), read now.
    public static func eitherLayout(connection: KernelConnection) -> KernelReadAhead {
        reading(connection, LayoutSnapshot.read)
    }

    /// `read` over netlink in `namespace`, on a thread of its own; nothing (the apply reads for
    /// itself) without the privileges to open the socket or when the read fails.
    static func reading(_ namespace: NetworkNamespace,
                        _ read: @escaping @Sendable (KernelConnection) throws -> LayoutSnapshot) -> KernelReadAhead {
        KernelReadAhead {
            guard Privileges.missingReason == nil else { return nil }
            return try? NetfilterSocket.withSocket(in: namespace) { try read(NetlinkConnection($0)) }
        }
    }

    /// `read` through `connection`, now.
    static func reading(_ connection: KernelConnection, _ read: (KernelConnection) throws -> LayoutSnapshot) -> KernelReadAhead {
        KernelReadAhead(read: try? read(connection))
    }
}

extension NetfilterApplier {
    /// Starts reading what an apply into `namespace` will read first (generation, tables, the
    /// digest record), to pass to `apply(_:into:readAhead:)` once the rulesets are compiled.
    /// Reads only; the checks `apply` makes decide whether anything is written.
    public func readAhead(_ namespace: NetworkNamespace) -> KernelReadAhead {
        KernelReadAhead.reading(namespace) { .iptables(try KernelSnapshot.read($0)) }
    }

    /// The same through any connection (the in-memory `FakeKernel` in tests), read now.
    public func readAhead(connection: KernelConnection) -> KernelReadAhead {
        KernelReadAhead.reading(connection) { .iptables(try KernelSnapshot.read($0)) }
    }
}
