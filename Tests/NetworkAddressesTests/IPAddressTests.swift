import Testing
@testable import NetworkAddresses
import TextOutput

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("10.0.0.1", "10.0.0.1"),
        ("255.255.255.255", "255.255.255.255"),
        ("0.0.0.0", "0.0.0.0"),
        ("::", "::"),
        ("::1", "::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("fd00:10::5", "fd00:10::5"),
        ("fd00:10::1:5", "fd00:10::1:5"),
        ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
        ("1:0:0:2:3:0:0:4", "1::2:3:0:0:4"),
        ("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"),
        ("0:0:1:2:3:4:5:6", "::1:2:3:4:5:6"),
        ("1:2:3:4:5:6:0:0", "1:2:3:4:5:6::"),
        ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
    ])
    func canonicalText(input: String, expected: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == expected)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "1..2.3",
                      ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1", "1:", "1:2:3:4:5:6:7::8", "::1.2.3"])
    func rejectsMalformed(input: String) {
        #expect(IPAddress(input) == nil)
    }

    /// The decoders parse addresses from their input's bytes: exactly as from a String.
    @Test(arguments: ["10.0.0.1", "0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3.04", "00.0.0.0", "1.2.3.256", "1.2.3",
                      "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "1.2.3.4/8", "1234.1.1.1",
                      "::", "::1", ":::", "::ffff:10.0.0.1", "::ffff:010.0.0.1", "::ffff:1.2.3", "1:2:3:4:5:6:1.2.3.4",
                      "1:2:3:4:5:6:7:1.2.3.4", "fe80::1%eth0", "fe80::1%25eth0", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
                      "1::2::3", "12345::", "00001::", "0001::", "g::1", ":1", "1:", "::1.2.3.4", "1::", "1:2:3:4:5:6:7::8",
                      "1:2:3:4:5:6::7", "FD00::A", "fd00::1 ", "１0.0.0.1", "10.0.0.１", "fd00::é", "", ".", ":",
                      "10.0.0.1.", "2001:db8:0:0:0:0:2:1", "2001:db8::0:1:0:0:1", "::ffff:ffff:ffff"])
    func parsesBytesAsText(input: String) {
        var text = input
        let fromBytes = text.withUTF8 { IPAddress(utf8: $0) }
        #expect(fromBytes == IPAddress(input))
    }

    @Test func prefixNetworkAndContainment() throws {
        let prefix = try #require(IPPrefix("203.0.113.5/25"))
        #expect(prefix.network.description == "203.0.113.0/25")
        #expect(prefix.contains(IPAddress("203.0.113.127")!))
        #expect(!prefix.contains(IPAddress("203.0.113.128")!))
        let v6 = try #require(IPPrefix("2001:db8::1/64"))
        #expect(v6.network.description == "2001:db8::/64")
        #expect(v6.contains(IPAddress("2001:db8::ffff")!))
        #expect(!v6.contains(IPAddress("10.0.0.1")!))
        #expect(IPPrefix("10.0.0.0/33") == nil)
        #expect(IPPrefix("10.0.0.0/08") == nil)
        #expect(IPPrefix("10.0.0.0") == nil)
        #expect(IPPrefix("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(IPPrefix("10.0.0.0/8")!.contains(IPPrefix("10.244.0.0/16")!))
        #expect(!IPPrefix("10.244.0.0/16")!.contains(IPPrefix("10.0.0.0/8")!))
    }

    @Test func decimalAndHexAppend() {
        var buffer = ByteBuffer()
        buffer.appendDecimal(0); buffer.append("," as StaticString); buffer.appendDecimal(18446744073709551615)
        buffer.append("," as StaticString); buffer.appendHex(0); buffer.append("," as StaticString); buffer.appendHex(0xfd00)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == "0,18446744073709551615,0,fd00")
    }
}
