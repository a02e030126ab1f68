import Testing
import NetworkAddresses
import RuleModel
@testable import ServiceCompiler

/// The planner's shortcuts for ordering must give exactly the byte order kube-proxy sorts by.
@Suite struct PlannerOrderTests {
    private static func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
        Array(lhs.utf8).lexicographicallyPrecedes(Array(rhs.utf8))
    }

    private static func endpoint(_ text: String) -> EndpointPlan {
        EndpointPlan(endpointString: text, address: IPAddress("10.0.0.1")!, port: 80, isLocal: false, isReady: true,
                     isServing: true, isTerminating: false, zoneHints: nil, chain: ChainName("KUBE-SEP-" + text))
    }

    @Test func endpointPlansSortByTheirStrings() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 3, 10, 57] {
            for _ in 0..<20 {
                let texts = (0..<size).map { _ in
                    "10.\(Int.random(in: 0...3, using: &generator)).\(Int.random(in: 0...20, using: &generator)):\(Int.random(in: 1...9000, using: &generator))"
                }
                let sorted = EndpointPlan.sortedByEndpointString(texts.map(Self.endpoint))
                #expect(sorted.map(\.endpointString) == texts.sorted(by: Self.byteOrder))
                // Each plan travels with its own fields.
                #expect(sorted.allSatisfy { $0.chain == ChainName("KUBE-SEP-" + $0.endpointString) })
            }
        }
    }

    @Test func alreadySortedPlansStayAsTheyAre() {
        // Byte order, not numeric: "0" (0x30) sorts before ":" (0x3A).
        let texts = ["10.0.0.10:80", "10.0.0.1:80", "10.0.0.2:80"]
        #expect(EndpointPlan.sortedByEndpointString(texts.map(Self.endpoint)).map(\.endpointString) == texts)
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

    @Test func endpointStringsAreGoJoinHostPort() {
        #expect(EndpointPlan.endpointString("10.180.0.1", port: 8080, family: .ipv4) == "10.180.0.1:8080")
        #expect(EndpointPlan.endpointString("fd00::1", port: 53, family: .ipv6) == "[fd00::1]:53")
        #expect(EndpointPlan.endpointString("1.2.3.4", port: 1, family: .ipv4) == "1.2.3.4:1")
        #expect(EndpointPlan.endpointString("1.2.3.4", port: 65535, family: .ipv4) == "1.2.3.4:65535")
        #expect(EndpointPlan.endpointString("fd00:1234:5678:9abc:def0:1234:5678:9abc", port: 10, family: .ipv6)
                == "[fd00:1234:5678:9abc:def0:1234:5678:9abc]:10")
    }
}
