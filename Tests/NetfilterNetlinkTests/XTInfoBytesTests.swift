import Testing
@testable import NetfilterNetlink

/// Every expected layout below was captured from the kernel after `iptables-restore` v1.8.9
/// (nf_tables backend) loaded the rule in the test's name.
struct XTInfoBytesTests {
    @Test func comment() {
        let text = "ns2/svc2:p80 health check node port"
        let bytes = XTComment("ns2/svc2:p80", " health check node port").infoBytes
        #expect(bytes.count == 256)
        #expect(bytes == layout(256, [(0, String(text.utf8.map { String($0, radix: 16) }.joined()))]))
        #expect(XTMatch(name: "comment", revision: 0, info: bytes) == .comment(XTComment(text)))
    }

    @Test func markMatch() {
        // Not written by iptables-nft 1.8.9 (it tests marks natively): the layout of
        // struct xt_mark_mtinfo1 — mark, mask (host order), invert — padded to 16 bytes.
        let bytes = XTMarkMatch(value: 0x4000, mask: 0xff00, inverted: true).infoBytes
        #expect(bytes == layout(16, [(0, "0040000000ff000001")]))
        #expect(XTMatch(name: "mark", revision: 1, info: bytes) == .mark(XTMarkMatch(value: 0x4000, mask: 0xff00, inverted: true)))
        #expect(XTMatch(name: "mark", revision: 0, info: bytes) == .other(name: "mark", revision: 0, info: bytes))
    }

    @Test func bareTCPAndUDP() {
        // -p tcp -m tcp / -p udp -m udp: all ports, no inversion.
        let expected = layout(16, [(2, "ffff0000ffff")])
        #expect(XTTCP().infoBytes == expected)
        #expect(XTUDP().infoBytes == expected)
        #expect(XTMatch(name: "tcp", revision: 0, info: expected) == .tcp(XTTCP()))
    }

    @Test func sctpPorts() {
        // -p sctp -m sctp --dport 80
        #expect(XTSCTP(destinationPorts: 80...80).infoBytes
            == layout(296, [(0, "50005000"), (268, "ff0000ff0000ff0000ff"), (284, "02")]))
        // -p sctp -m sctp
        #expect(XTSCTP().infoBytes == layout(296, [(268, "ff0000ff0000ff0000ff")]))
        // -p sctp -m sctp --sport 7 --dport 8:9
        #expect(XTSCTP(sourcePorts: 7...7, destinationPorts: 8...9).infoBytes
            == layout(296, [(0, "08000900070007"), (268, "ff0000ff0000ff0000ff"), (284, "03")]))
        // -p sctp -m sctp ! --dport 8
        let inverted = layout(296, [(0, "080008"), (268, "ff0000ff0000ff0000ff"), (284, "0200000002")])
        #expect(XTSCTP(destinationPorts: 8...8, invertDestination: true).infoBytes == inverted)
        #expect(XTMatch(name: "sctp", revision: 0, info: inverted)
            == .sctp(XTSCTP(destinationPorts: 8...8, invertDestination: true)))
    }

    @Test func addrType() {
        // -m addrtype --dst-type LOCAL
        #expect(XTAddrType(destinationTypes: XTAddrType.local).infoBytes == layout(8, [(2, "04")]))
        // -m addrtype ! --src-type LOCAL
        #expect(XTAddrType(sourceTypes: XTAddrType.local, invertSource: true).infoBytes
            == layout(8, [(0, "0400000001")]))
    }

    @Test func conntrackState() {
        // -m conntrack --ctstate NEW
        #expect(XTConntrack(stateMask: XTConntrack.StateBit.new).infoBytes == layout(168, [(146, "0100000008")]))
        // -m conntrack --ctstate UNTRACKED,SNAT
        #expect(XTConntrack(stateMask: XTConntrack.StateBit.untracked | XTConntrack.StateBit.snat).infoBytes
            == layout(168, [(146, "010000004001")]))
        // -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT
        let bits = XTConntrack.StateBit.self
        let negated = layout(168, [(146, "0100010086")])
        #expect(XTConntrack(stateMask: bits.related | bits.established | bits.dnat, inverted: true).infoBytes == negated)
        #expect(XTMatch(name: "conntrack", revision: 3, info: negated)
            == .conntrack(XTConntrack(stateMask: 0x86, inverted: true)))
    }

    @Test func statistic() {
        // --probability 0.3333333333 → lround(2^31 × p) = 0x2aaaaaab, repeated as nth.count.
        #expect(XTStatistic(probability: 0x2aaa_aaab).infoBytes == layout(24, [(4, "abaaaa2a"), (12, "abaaaa2a")]))
        // --probability 0.5
        #expect(XTStatistic(probability: 0x4000_0000).infoBytes == layout(24, [(7, "40"), (15, "40")]))
    }

    @Test func recent() {
        let mask = String(repeating: "ff", count: 16)
        // -m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap
        #expect(XTRecent(name: "KUBE-SEP-X", operation: .check(seconds: 10800, reap: true)).infoBytes
            == layout(232, [(0, "302a"), (8, "21004b5542452d5345502d58"), (212, mask)]))
        // -m recent --name KUBE-SEP-X --set
        let set = layout(232, [(8, "02004b5542452d5345502d58"), (212, mask)])
        #expect(XTRecent(name: "KUBE-SEP-X", operation: .set).infoBytes == set)
        #expect(XTMatch(name: "recent", revision: 1, info: set) == .recent(XTRecent(name: "KUBE-SEP-X", operation: .set)))
    }

    @Test func natTargets() {
        let address = RegisterData.networkOrder(0x0a00_0001 as UInt32)
        // -j DNAT --to-destination 10.0.0.1:8080
        #expect(XTDNAT(address: address, port: 8080).infoBytes
            == layout(48, [(0, "030000000a000001"), (20, "0a000001"), (36, "1f901f90")]))
        // -j DNAT --to-destination 10.0.0.1
        #expect(XTDNAT(address: address, port: nil).infoBytes == layout(48, [(0, "010000000a000001"), (20, "0a000001")]))
        // ip6tables -j DNAT --to-destination [fd00::5]:8080
        let v6 = RegisterData(hexBytes("fd000000000000000000000000000005"))
        let dnat6 = layout(48, [(0, "03000000fd"), (19, "05fd"), (35, "051f901f90")])
        #expect(XTDNAT(address: v6, port: 8080).infoBytes == dnat6)
        #expect(XTTarget(name: "DNAT", revision: 2, info: dnat6, family: .ipv6) == .dnat(XTDNAT(address: v6, port: 8080)))
        // -j MASQUERADE [--random-fully]
        #expect(XTMasqueradeIPv4(randomFully: false).infoBytes == layout(24, [(0, "01")]))
        #expect(XTMasqueradeIPv4(randomFully: true).infoBytes == layout(24, [(0, "0100000010")]))
        #expect(XTMasqueradeIPv6(randomFully: false).infoBytes == layout(40))
        #expect(XTMasqueradeIPv6(randomFully: true).infoBytes == layout(40, [(0, "10")]))
    }

    @Test func markAndRejectTargets() {
        // --or-mark 0x4000 = --set-xmark 0x4000/0x4000; --xor-mark 0x4000 = 0x4000/0
        #expect(XTMark(value: 0x4000, mask: 0x4000).infoBytes == layout(8, [(1, "4000000040")]))
        #expect(XTMark(value: 0x4000, mask: 0).infoBytes == layout(8, [(1, "40")]))
        // REJECT: icmp-port-unreachable (3), tcp-reset (7), icmp-admin-prohibited (8);
        // IPv6 icmp6-port-unreachable (4).
        #expect(XTRejectIPv4(with: XTRejectIPv4.portUnreachable).infoBytes == layout(8, [(0, "03")]))
        #expect(XTRejectIPv4(with: XTRejectIPv4.tcpReset).infoBytes == layout(8, [(0, "07")]))
        #expect(XTRejectIPv4(with: XTRejectIPv4.adminProhibited).infoBytes == layout(8, [(0, "08")]))
        #expect(XTRejectIPv6(with: XTRejectIPv6.portUnreachable).infoBytes == layout(8, [(0, "04")]))
    }

    @Test func unknownInfoStaysRaw() {
        // A conntrack match testing more than the state is not modelled: kept byte for byte.
        var bytes = layout(168, [(146, "0100000008")])
        bytes[146] = 0x03
        #expect(XTMatch(name: "conntrack", revision: 3, info: bytes) == .other(name: "conntrack", revision: 3, info: bytes))
        #expect(XTMatch(name: "limit", revision: 0, info: [1, 2]) == .other(name: "limit", revision: 0, info: [1, 2]))
    }
}
