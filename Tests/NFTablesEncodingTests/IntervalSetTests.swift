import NetfilterNetlink
import NetworkAddresses
import NFTablesEncoding
import RuleModel
import Testing

/// Named `flags interval` sets (the policy table's `block-…`/`except-…`), against what
/// `nft --debug=netlink,mnl -f` of nftables 1.0.6 sent for the same declarations. nft prints
/// keys as 32-bit host-order words: `0000010a` is the bytes 0a 01 00 00 (10.1.0.0).
@Suite struct IntervalSetTests {
    static func definition(_ prefixes: [String], family: TableFamily = .ip) throws -> NFTablesProgram.SetDefinition {
        let ipv6 = family == .ip6
        let set = NamedSet(name: "except-b", fields: [], keyTypes: [ipv6 ? .ipv6Address : .ipv4Address],
                           elements: prefixes.map { RuleModel.SetElement([.prefix(IPPrefix($0)!)]) }, flags: [.interval])
        let table = Table("packetpath-policy", chains: [], sets: [set], family: family)
        return try #require(try NFTablesEncoder().program(for: table, family: family).sets.first)
    }

    static func element(_ key: [UInt8], end: Bool = false, userData: [UInt8]? = nil) -> NetfilterNetlink.SetElement {
        NetfilterNetlink.SetElement(key: key, userData: userData, intervalEnd: end)
    }

    @Test func theSetIsDeclaredAsNftDeclaresIt() throws {
        // NEWSET: flags 0x4 (interval), key type 7, key length 4, user data only the key's
        // byte order (no merge record, no size: named sets are neither auto-merged nor sized).
        let set = try Self.definition(["10.1.0.0/16"]).set
        #expect(set.flags == [.interval])
        #expect(set.keyType == 7 && set.keyLength == 4)
        #expect(set.userData == [0, 4, 2, 0, 0, 0])
        #expect(set.descriptionSize == nil)
    }

    @Test func aPrefixIsAZeroEndThenStartAndEnd() throws {
        // element 00000000 : 1 [end]  element 0000010a : 0 [end]  element 0000020a : 1 [end]
        #expect(try Self.definition(["10.1.0.0/16"]).elements == [
            Self.element([0, 0, 0, 0], end: true), Self.element([10, 1, 0, 0]), Self.element([10, 2, 0, 0], end: true),
        ])
    }

    @Test func elementsAreSortedAndTouchingRangesStayApart() throws {
        // `elements = { 10.128.0.0/9, 10.0.0.0/9 }`: no auto-merge, so 10.128.0.0 both ends one
        // range and starts the next.
        #expect(try Self.definition(["10.128.0.0/9", "10.0.0.0/9"]).elements == [
            Self.element([0, 0, 0, 0], end: true),
            Self.element([10, 0, 0, 0]), Self.element([10, 128, 0, 0], end: true),
            Self.element([10, 128, 0, 0]), Self.element([11, 0, 0, 0], end: true),
        ])
    }

    @Test func aRangeToTheTopIsOpen() throws {
        // `0.0.0.0/0`: element 00000000 : 0 [end] userdata = { \x01\x04\x01\x00\x00\x00 }
        #expect(try Self.definition(["0.0.0.0/0"]).elements == [Self.element([0, 0, 0, 0], userData: [1, 4, 1, 0, 0, 0])])
        let zero = [UInt8](repeating: 0, count: 16)
        #expect(try Self.definition(["::/0"], family: .ip6).elements == [Self.element(zero, userData: [1, 4, 1, 0, 0, 0])])
    }

    @Test func ipv6HostsAndPrefixes() throws {
        // `{ fd00::/8, 2001:db8::1 }` (the host as a /128).
        let zero = [UInt8](repeating: 0, count: 16)
        let documentation: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11)
        let host: [UInt8] = documentation + [1]
        let next: [UInt8] = documentation + [2]
        let ula: [UInt8] = [0xfd] + [UInt8](repeating: 0, count: 15)
        let pastULA: [UInt8] = [0xfe] + [UInt8](repeating: 0, count: 15)
        let expected: [NetfilterNetlink.SetElement] = [
            Self.element(zero, end: true), Self.element(host), Self.element(next, end: true),
            Self.element(ula), Self.element(pastULA, end: true),
        ]
        #expect(try Self.definition(["fd00::/8", "2001:db8::1/128"], family: .ip6).elements == expected)
    }

    @Test func anElementCommentIsRefused() {
        let set = NamedSet(name: "b", fields: [], keyTypes: [.ipv4Address],
                           elements: [RuleModel.SetElement([.prefix(IPPrefix("10.0.0.0/8")!)], comment: "x")], flags: [.interval])
        #expect(throws: NFTablesEncodingError.self) {
            try NFTablesEncoder().program(for: Table("t", chains: [], sets: [set], family: .ip), family: .ip)
        }
    }
}
