import NetfilterNetlink
import NFTablesEncoding
import Testing

/// The element digest PacketPath records in each anonymous set's user data.
@Suite struct AnonymousSetDigestTests {
    static func element(_ key: UInt8, _ chain: String) -> SetElement {
        SetElement(key: [key, 0, 0, 0], verdict: .goto(ObjectName(chain)))
    }

    static let elements = [element(0, "endpoint-a"), element(1, "endpoint-b")]

    @Test func digestIsSixteenBytesAndRepeatable() {
        let digest = AnonymousSetDigest.of(Self.elements)
        #expect(digest.count == 16)
        #expect(digest == AnonymousSetDigest.of(Self.elements))
    }

    @Test func everyPartOfAnElementCounts() {
        let digest = AnonymousSetDigest.of(Self.elements)
        var otherChain = Self.elements
        otherChain[1].verdict = .goto("endpoint-c")
        var jump = Self.elements
        jump[1].verdict = .jump("endpoint-b")
        var otherKey = Self.elements
        otherKey[0].key = [2, 0, 0, 0]
        var intervalEnd = Self.elements
        intervalEnd[0].intervalEnd = true
        var emptyData = Self.elements
        emptyData[0].data = []
        let variants = [otherChain, jump, otherKey, intervalEnd, emptyData, Array(Self.elements.prefix(1)), []]
        for variant in variants { #expect(AnonymousSetDigest.of(variant) != digest) }
        #expect(Set(variants.map(AnonymousSetDigest.of)).count == variants.count)
    }

    /// Field boundaries count: moving a byte from one element's key to the next changes it.
    @Test func fieldBoundariesCount() {
        let split = [SetElement(key: [1, 2]), SetElement(key: [3])]
        let moved = [SetElement(key: [1]), SetElement(key: [2, 3])]
        #expect(AnonymousSetDigest.of(split) != AnonymousSetDigest.of(moved))
    }

    /// The record follows nft's own records, and stamping again replaces it.
    @Test func recordIsAppendedOnceAndReplaced() throws {
        let programs = try KubeProxyIdentityTests.names.map(KubeProxyIdentityTests.program)
        let definition = try #require(programs.flatMap(\.rules).flatMap(\.anonymousSets).first { $0.elements.count > 1 })
        let userData = definition.set.userData ?? []
        #expect(Array(userData.suffix(18)) == [AnonymousSetDigest.recordType, 16] + AnonymousSetDigest.of(definition.elements))
        #expect(definition.withElementDigest().set.userData == userData, "stamping twice changes nothing")
        var changed = definition
        changed.elements.removeLast()
        let restamped = changed.withElementDigest().set.userData ?? []
        #expect(restamped.count == userData.count)
        #expect(Array(restamped.prefix(userData.count - 18)) == Array(userData.prefix(userData.count - 18)))
        #expect(AnonymousSetDigest.recorded(in: restamped) == AnonymousSetDigest.of(changed.elements))
    }

    @Test func malformedOrMissingRecordsReadAsNone() {
        #expect(AnonymousSetDigest.recorded(in: nil) == nil)
        #expect(AnonymousSetDigest.recorded(in: [0, 4, 1, 0, 0, 0]) == nil)
        #expect(AnonymousSetDigest.recorded(in: [AnonymousSetDigest.recordType, 16, 1, 2]) == nil, "truncated")
        #expect(AnonymousSetDigest.recorded(in: [AnonymousSetDigest.recordType, 2, 1, 2]) == nil, "wrong length")
    }

    /// The encoder stamps the anonymous sets of kube-proxy's layout (and no named set).
    @Test func encodedAnonymousSetsCarryTheirDigest() throws {
        let programs = try KubeProxyIdentityTests.names.map(KubeProxyIdentityTests.program)
        let anonymous = programs.flatMap(\.rules).flatMap(\.anonymousSets)
        #expect(!anonymous.isEmpty)
        for definition in anonymous {
            #expect(AnonymousSetDigest.recorded(in: definition.set.userData) == AnonymousSetDigest.of(definition.elements))
        }
        for definition in programs.flatMap(\.sets) { #expect(AnonymousSetDigest.recorded(in: definition.set.userData) == nil) }
    }
}
