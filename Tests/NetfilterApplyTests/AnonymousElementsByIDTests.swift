#if canImport(Glibc)
import Glibc
#endif
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import Testing
import TestSupport

/// Elements of a new anonymous set are sent with its set ID and no name (the kernel's name
/// search walks every set of the table): the set of this batch with that ID gets them; a set
/// an earlier batch created is not found by ID, in the fake as in the kernel.
enum AnonymousElementsByID {
    static let table = TableKey(.ipv4, "byid")

    static func anonymous(_ name: ObjectName, id: UInt32) -> NetfilterSet {
        NetfilterSet(table: table.name, name: name, id: id, flags: [.anonymous, .constant],
                     keyType: NetfilterSet.DataType.ipv4Address, keyLength: 4)
    }

    static let element = SetElement(key: [10, 0, 0, 1])

    /// A chain whose rule binds `set` (an unbound anonymous set would be released at commit).
    static func binding(_ set: NetfilterSet) -> KernelOperation {
        let lookup = Lookup(set: set.name, setID: set.id, source: .r1)
        let load = Expression.payload(Payload(base: .network, offset: 12, length: 4, destination: .r1))
        return .addRule(ChainKey(table, "c"), .nft([load, .lookup(lookup)], userData: nil), .append)
    }

    /// The set created, filled by ID and bound in one batch.
    static var oneBatch: [KernelOperation] {
        let set = anonymous("__set1", id: 1)
        return [.addTable(table, comment: nil), .addChain(ChainKey(table, "c"), base: nil, comment: nil),
                .addSet(table, set), .addElements(table, set: set, [element]), binding(set)]
    }

    /// Elements sent by ID to a set the previous batch created.
    static var laterBatch: [KernelOperation] {
        let set = anonymous("__set2", id: 2)
        return [.addSet(table, set), .addElements(table, set: anonymous("__set1", id: 1), [element]), binding(set)]
    }

    static func transaction(_ operations: [KernelOperation]) -> Transaction {
        var transaction = Transaction()
        for (index, operation) in operations.enumerated() { transaction.append(operation, tag: index) }
        return transaction
    }

    /// The errno of the refused message, nil when the batch commits.
    static func refusal(_ operations: [KernelOperation], _ connection: KernelConnection) throws -> Int32? {
        do {
            _ = try connection.commit(transaction(operations), generation: connection.generation())
            return nil
        } catch NetfilterError.batchRejected(let failures, _) {
            return failures.first?.errno
        }
    }
}

@Suite struct AnonymousElementsByIDTests {
    @Test func elementsOfANewAnonymousSetCarryItsIDAlone() {
        #expect(AnonymousElementsByID.anonymous("__set1", id: 1).elementsByIDOnly)
        var named = AnonymousElementsByID.anonymous("s", id: 1)
        named.flags = [.constant]
        #expect(!named.elementsByIDOnly, "a named set is found by name (it may come from an earlier batch)")
        var read = AnonymousElementsByID.anonymous("__set1", id: 1)
        read.id = nil
        #expect(!read.elementsByIDOnly, "a set read back has no ID")
    }

    @Test func theFakeFindsOnlyASetOfTheSameBatchByID() throws {
        let kernel = FakeKernel()
        #expect(try AnonymousElementsByID.refusal(AnonymousElementsByID.oneBatch, kernel) == nil)
        #expect(try kernel.elements(of: "__set1", in: AnonymousElementsByID.table) == [AnonymousElementsByID.element])
        #expect(try AnonymousElementsByID.refusal(AnonymousElementsByID.laterBatch, kernel) == ENOENT)
    }
}

/// ROOT TESTS: the kernel takes elements by set ID alone, and refuses them for a set an
/// earlier batch created, as the fake does.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct AnonymousElementsByIDKernelTests {
    @Test func theKernelFindsOnlyASetOfTheSameBatchByID() throws {
        let scratch = try ScratchNamespace(tag: "byid")
        defer { scratch.remove() }
        let (first, elements, later) = try NetfilterSocket.withSocket(in: scratch.namespace) { socket throws in
            let connection = NetlinkConnection(socket)
            let first = try AnonymousElementsByID.refusal(AnonymousElementsByID.oneBatch, connection)
            let elements = try connection.elements(of: "__set1", in: AnonymousElementsByID.table).map(\.key)
            return (first, elements, try AnonymousElementsByID.refusal(AnonymousElementsByID.laterBatch, connection))
        }
        #expect(first == nil)
        #expect(elements == [AnonymousElementsByID.element.key])
        #expect(later == ENOENT)
        #expect(try scratch.ruleset().contains("10.0.0.1"))
    }
}
