import NetworkNamespaces
import Testing
@testable import NetfilterNetlink

/// Sets, verdict maps and an anonymous map created and referenced in one batch.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct SetRoundTripTests {
    @Test func setsMapsAndLookupsComeBack() throws {
        let addresses = NetfilterSet(table: "t", name: "cluster-ips", keyType: NetfilterSet.DataType.ipv4Address, keyLength: 4)
        let ports = NetfilterSet(table: "t", name: "ports", flags: [.map], keyType: NetfilterSet.DataType.inetService,
                                 keyLength: 2, dataType: NetfilterSet.DataType.verdict, dataLength: 0)
        let anonymous = NetfilterSet(table: "t", name: "__map0", id: 7, flags: [.anonymous, .constant, .map],
                                     keyType: NetfilterSet.DataType.integer, keyLength: 4,
                                     dataType: NetfilterSet.DataType.verdict, dataLength: 0)
        let rule: [Expression] = [
            .payload(Payload(base: .network, offset: 16, length: 4)),
            .lookup(Lookup(set: "cluster-ips")),
            .payload(Payload(base: .transport, offset: 2, length: 2)),
            .lookup(Lookup(set: "ports", destination: .verdict)),
            .numgen(Numgen(modulus: 2)),
            .lookup(Lookup(set: "__map0", setID: 7, destination: .verdict)),
        ]
        let result = try NamespaceThread.runInNewNamespace { () throws -> ([NetfilterSet], [SetElement], [SetElement], [RuleInfo]) in
            let socket = try NetfilterSocket()
            let batch = socket.makeBatch()
            batch.addTable(family: .ipv4, name: "t", tag: 0)
            batch.addChain(family: .ipv4, table: "t", name: "a", tag: 1)
            batch.addChain(family: .ipv4, table: "t", name: "b", tag: 2)
            batch.addChain(family: .ipv4, table: "t", name: "c", tag: 3)
            batch.addSet(family: .ipv4, addresses, elements: [SetElement(key: [10, 96, 0, 1]), SetElement(key: [10, 96, 0, 2])], tag: 4)
            batch.addSet(family: .ipv4, ports, elements: [SetElement(key: [0, 80], verdict: .goto("a"))], tag: 5)
            batch.addSet(family: .ipv4, anonymous, elements: [
                SetElement(key: [0, 0, 0, 0], verdict: .goto("b")), SetElement(key: [1, 0, 0, 0], verdict: .goto("c")),
            ], tag: 6)
            try batch.addRule(family: .ipv4, table: "t", chain: "c", expressions: rule, tag: 7)
            try socket.commit(batch)
            // Flushing a set empties it and leaves the set.
            let flush = socket.makeBatch()
            flush.flushSet(family: .ipv4, table: "t", name: "cluster-ips", tag: 0)
            flush.addElements(family: .ipv4, addresses, [SetElement(key: [10, 96, 0, 3])], tag: 1)
            try socket.commit(flush)
            return (try socket.sets(family: .ipv4, table: "t"),
                    try socket.elements(family: .ipv4, table: "t", set: "cluster-ips"),
                    try socket.elements(family: .ipv4, table: "t", set: "ports"),
                    try socket.rules(family: .ipv4, table: "t", chain: "c"))
        }
        let (sets, addressElements, portElements, rules) = result
        #expect(sets.count == 3)
        #expect(sets.first { $0.name == "cluster-ips" } == addresses)
        #expect(sets.first { $0.name == "ports" } == ports)
        #expect(sets.contains { $0.name.hasPrefix("__map") && $0.flags.contains(.anonymous) })
        #expect(addressElements == [SetElement(key: [10, 96, 0, 3])])
        #expect(portElements == [SetElement(key: [0, 80], verdict: .goto("a"))])
        #expect(rules.first?.expressions == rule)
    }

    /// What nft needs to print a set as it wrote it comes back as sent: set user data, the
    /// announced size of an anonymous interval set, element comments and interval ends.
    @Test func userDataAndIntervalElementsComeBack() throws {
        let comment = NetfilterUserData.comment("prod/web:http")
        let setUserData: [UInt8] = [0, 4, 2, 0, 0, 0]
        let named = NetfilterSet(table: "t", name: "ips", keyType: NetfilterSet.DataType.ipv4Address, keyLength: 4,
                                 userData: setUserData)
        let ranges = NetfilterSet(table: "t", name: "ranges", flags: [.interval], keyType: NetfilterSet.DataType.ipv4Address,
                                  keyLength: 4, descriptionSize: 3)
        let intervals = [SetElement(key: [0, 0, 0, 0], intervalEnd: true), SetElement(key: [10, 0, 0, 0]),
                         SetElement(key: [11, 0, 0, 0], intervalEnd: true)]
        let result = try NamespaceThread.runInNewNamespace { () throws -> ([NetfilterSet], [SetElement], [SetElement]) in
            let socket = try NetfilterSocket()
            let batch = socket.makeBatch()
            batch.addTable(family: .ipv4, name: "t", tag: 0)
            batch.addSet(family: .ipv4, named, elements: [SetElement(key: [10, 96, 0, 1], userData: comment)], tag: 1)
            batch.addSet(family: .ipv4, ranges, elements: intervals, tag: 2)
            try socket.commit(batch)
            return (try socket.sets(family: .ipv4, table: "t"),
                    try socket.elements(family: .ipv4, table: "t", set: "ips"),
                    try socket.elements(family: .ipv4, table: "t", set: "ranges"))
        }
        let (sets, namedElements, rangeElements) = result
        #expect(sets.first { $0.name == "ips" }?.userData == setUserData)
        #expect(namedElements == [SetElement(key: [10, 96, 0, 1], userData: comment)])
        #expect(NetfilterUserData.comment(in: namedElements[0].userData ?? []) == "prod/web:http")
        // The kernel keeps an interval set's elements as sent, ends flagged.
        #expect(Set(rangeElements.map { [$0.key, [$0.intervalEnd ? 1 : 0]] })
            == Set(intervals.map { [$0.key, [$0.intervalEnd ? 1 : 0]] }))
    }
}
