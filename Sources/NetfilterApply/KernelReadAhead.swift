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
        let tables = try Session.families.map { try connection.tables(family: $0) }
        let digests = try zip(Session.families, tables).map { try ChainDigests.read(connection, family: $0, tables: $1) }
        return KernelSnapshot(generation: generation, tables: tables, digests: digests)
    }
}

/// A `KernelSnapshot` being read on a thread of its own (`NetfilterApplier.readAhead`). Any
/// failure is left for the apply to meet and report: it then reads everything itself.
public final class KernelReadAhead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// A `KernelSnapshot` (iptables layout) or an `NFTablesSnapshot`.
    private var snapshot: Any?
    private var taken = false

    init(_ read: @escaping @Sendable () -> KernelSnapshot?) {
        DispatchQueue.global().async {
            self.snapshot = read()
            self.done.signal()
        }
    }

    init(readingNFTables read: @escaping @Sendable () -> NFTablesSnapshot?) {
        DispatchQueue.global().async {
            self.snapshot = read()
            self.done.signal()
        }
    }

    /// Already read.
    init(_ snapshot: KernelSnapshot?) {
        self.snapshot = snapshot
        done.signal()
    }

    init(nftables snapshot: NFTablesSnapshot?) {
        self.snapshot = snapshot
        done.signal()
    }

    /// Waits for the read; the snapshot is handed out once.
    func take() -> KernelSnapshot? {
        takeAny() as? KernelSnapshot
    }

    func takeNFTables() -> NFTablesSnapshot? {
        takeAny() as? NFTablesSnapshot
    }

    private func takeAny() -> Any? {
        if taken { return nil }
        taken = true
        done.wait()
        defer { snapshot = nil }
        return snapshot
    }
}

extension NetfilterApplier {
    /// Starts reading what an apply into `namespace` will read first (generation, tables, the
    /// digest record), to pass to `apply(_:into:readAhead:)` once the rulesets are compiled.
    /// Reads only; the checks `apply` makes decide whether anything is written.
    public func readAhead(_ namespace: NetworkNamespace) -> KernelReadAhead {
        KernelReadAhead {
            guard Privileges.missingReason == nil else { return nil }
            return try? NetfilterSocket.withSocket(in: namespace) { try KernelSnapshot.read(NetlinkConnection($0)) }
        }
    }

    /// The same through any connection (the in-memory `FakeKernel` in tests), read now.
    public func readAhead(connection: KernelConnection) -> KernelReadAhead {
        KernelReadAhead(try? KernelSnapshot.read(connection))
    }
}
