import NetworkNamespaces
import Testing
@testable import NetfilterNetlink

/// Chains asked for by name, many per `sendmsg`, must equal what the chain dump lists; a name
/// the table lacks comes back nil; and the table's object count is its chains plus its sets.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct ChainsByNameTests {
    @Test func chainsByNameEqualTheDumpAndTheTableCountsItsObjects() throws {
        // More than one send's worth of requests.
        let chainCount = NetfilterSocket.chainRequestsPerSend * 2 + 17
        let result = try NamespaceThread.runInNewNamespace { () throws -> ([ChainInfo?], [ChainInfo], UInt32?) in
            let socket = try NetfilterSocket()
            let batch = socket.makeBatch()
            batch.addTable(family: .ipv4, name: "t", tag: 0)
            batch.addChain(family: .ipv4, table: "t", name: "base",
                           base: BaseChainSpec(type: "nat", hook: .prerouting, priority: -100), tag: 1)
            for chain in 0..<chainCount {
                batch.addChain(family: .ipv4, table: "t", name: ObjectName("c\(chain)"), tag: chain + 2)
            }
            batch.addSet(family: .ipv4, NetfilterSet(table: "t", name: "s", keyType: NetfilterSet.DataType.ipv4Address, keyLength: 4),
                         elements: [], tag: chainCount + 2)
            try socket.commit(batch)
            let names = ["base", "missing-1"] + (0..<chainCount).map { ObjectName("c\($0)") } + ["missing-2"]
            let byName = try socket.chains(family: .ipv4, table: "t", names: names)
            let dumped = try socket.chains(family: .ipv4, table: "t")
            return (byName, dumped, try socket.table(family: .ipv4, name: "t")?.objectCount)
        }
        let (byName, dumped, objects) = result
        #expect(byName.count == chainCount + 3)
        #expect(byName[1] == nil && byName.last! == nil)
        #expect(byName.compactMap { $0 } == dumped)
        #expect(byName[0]?.base?.hook == .prerouting)
        #expect(objects == UInt32(chainCount + 1 + 1))
    }
}
