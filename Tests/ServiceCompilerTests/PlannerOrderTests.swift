import Testing
import NetworkAddresses
import RuleModel
@testable import ServiceCompiler

/// The planner's shortcuts for ordering must give exactly the byte order kube-proxy sorts by.
@Suite struct PlannerOrderTests {
    private static func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
        Array(lhs.utf8).lexicographicallyPrecedes(Array(rhs.utf8))
    }

    /// A plan for `address:port`, its port field taken from the text so that fields can be
    /// checked to travel together.
    private static func endpoint(_ text: String) -> EndpointPlan {
        let colon = text.lastIndex(of: ":")!
        let endpointText = EndpointText(address: String(text[..<colon]), port: Int(text[text.index(after: colon)...])!, family: .ipv4)
        return EndpointPlan(endpointString: endpointText, address: IPAddress("10.0.0.1")!,
                            port: UInt16(text[text.index(after: colon)...])!, isLocal: false, isReady: true,
                            isServing: true, isTerminating: false, zoneHints: nil)
    }

    @Test func endpointPlansSortByTheirStrings() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 3, 10, 57] {
            for _ in 0..<20 {
                let texts = (0..<size).map { _ in
                    "10.\(Int.random(in: 0...3, using: &generator)).\(Int.random(in: 0...20, using: &generator)):\(Int.random(in: 1...9000, using: &generator))"
                }
                let sorted = EndpointPlan.sortedByEndpointString(texts.map(Self.endpoint))
                #expect(sorted.map(\.endpointString.description) == texts.sorted(by: Self.byteOrder))
                // Each plan travels with its own fields.
                #expect(sorted.allSatisfy { $0.endpointString.description.hasSuffix(":\($0.port)") })
            }
        }
    }

    @Test func alreadySortedPlansStayAsTheyAre() {
        // Byte order, not numeric: "0" (0x30) sorts before ":" (0x3A).
        let texts = ["10.0.0.10:80", "10.0.0.1:80", "10.0.0.2:80"]
        #expect(EndpointPlan.sortedByEndpointString(texts.map(Self.endpoint)).map(\.endpointString.description) == texts)
    }

    @Test func bytePrefixAgreesWithByteOrder() {
        let stems = ["", "a", "kube-system/", "kube-system/kube-dns", "prod/web", "prod/web-0123456789"]
        var texts: [String] = []
        for stem in stems {
            texts.append(stem)
            for _ in 0..<15 {
                let tail = String((0..<Int.random(in: 0...12)).map { _ in "ab-/z09".randomElement()! })
                texts.append(stem + tail)
            }
        }
        for lhs in texts {
            for rhs in texts {
                let (left, right) = (BytePrefix(lhs), BytePrefix(rhs))
                // A strict prefix order implies the byte order; equal prefixes leave it open.
                if left < right { #expect(Self.byteOrder(lhs, rhs), "\(lhs) < \(rhs)") }
                if lhs == rhs { #expect(left == right) }
                if Self.byteOrder(lhs, rhs) { #expect(!(right < left), "\(rhs) < \(lhs)") }
                #expect(lhs.precedesInByteOrder(rhs) == Self.byteOrder(lhs, rhs))
            }
        }
    }

    @Test func endpointTextsAreGoJoinHostPort() {
        func text(_ address: String, _ port: Int, _ family: IPFamily) -> String {
            EndpointText(address: address, port: port, family: family).description
        }
        #expect(text("10.180.0.1", 8080, .ipv4) == "10.180.0.1:8080")
        #expect(text("fd00::1", 53, .ipv6) == "[fd00::1]:53")
        #expect(text("1.2.3.4", 1, .ipv4) == "1.2.3.4:1")
        #expect(text("1.2.3.4", 65535, .ipv4) == "1.2.3.4:65535")
        #expect(text("0000:0000:0000:0000:0000:ffff:255.255.255.255", 65535, .ipv6)
                == "[0000:0000:0000:0000:0000:ffff:255.255.255.255]:65535")
        // Past the inline capacity (no valid IP is): kept as a String, same behaviour.
        let long = String(repeating: "a", count: 70)
        #expect(text(long, 80, .ipv4) == long + ":80")
    }

    /// Order, equality and hashing agree with the texts, inline or not.
    @Test func endpointTextsCompareAsTheirBytes() {
        let addresses = ["10.0.0.1", "10.0.0.10", "10.0.0.2", "fd00::1", "fd00::10", String(repeating: "9", count: 60),
                         String(repeating: "9", count: 60) + "1", "1", ""]
        let texts = addresses.flatMap { address in [1, 80, 8080, 65535].map { (address, $0) } }
        for (leftAddress, leftPort) in texts {
            for (rightAddress, rightPort) in texts {
                let left = EndpointText(address: leftAddress, port: leftPort, family: .ipv4)
                let right = EndpointText(address: rightAddress, port: rightPort, family: .ipv4)
                let (l, r) = (left.description, right.description)
                #expect((left < right) == Self.byteOrder(l, r), "\(l) < \(r)")
                #expect((left == right) == (l == r))
                if l == r { #expect(left.hashValue == right.hashValue) }
            }
        }
    }
}
