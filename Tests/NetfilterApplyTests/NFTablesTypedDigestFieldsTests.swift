import NetworkAddresses
@testable import NetfilterApply
import RuleModel
import Testing

/// The digest record trusts a chain, set or map whose typed digest is unchanged, so a field
/// the digest leaves out would be a change never sent. Every stored field must move it.
@Suite struct NFTablesTypedDigestFieldsTests {
    /// A stored property added to one of these types fails here until the digest covers it
    /// (provenance is bookkeeping, never sent to the kernel).
    @Test func theDigestCoversEveryStoredFieldOfTheModel() {
        func labels(_ value: Any) -> [String] { Mirror(reflecting: value).children.map { $0.label ?? "" } }
        let attachment = BaseChainAttachment(hook: .prerouting, priority: ChainPriority(absolute: -100), type: .nat)
        #expect(labels(Chain("c")) == ["name", "provenanceID", "rules", "attachment", "comment"])
        #expect(labels(Rule([], nil)) == ["matches", "verdict", "provenanceID"])
        #expect(labels(attachment) == ["hook", "namedPriority", "type", "policyAccepts"])
        #expect(labels(NamedSet(name: "s", fields: [])) == ["name", "fields", "keyTypes", "elements", "flags",
                                                             "timeoutSeconds", "comment"])
        #expect(labels(SetElement([])) == ["key", "comment"])
        #expect(labels(VerdictMap(name: "m", fields: [])) == ["name", "fields", "keyTypes", "entries", "comment"])
        #expect(labels(VerdictMap.Entry(key: [], verdict: .accept)) == ["key", "verdict", "provenanceID", "comment"])
    }

    @Test func everyFieldOfAChainMovesItsDigest() {
        let address = IPAddress("10.0.0.1")!
        let base = Chain("services", rules: [Rule([.destination(.host(address), negated: false)], .jump("svc"))],
                         attachment: BaseChainAttachment(hook: .prerouting, priority: ChainPriority(absolute: -100), type: .nat),
                         comment: "c")
        var variants: [Chain] = []
        var renamed = base; renamed.name = "services2"; variants.append(renamed)
        var moreRules = base; moreRules.rules.append(Rule([], .accept)); variants.append(moreRules)
        var otherMatch = base; otherMatch.rules[0].matches = [.destination(.host(IPAddress("10.0.0.2")!), negated: false)]
        variants.append(otherMatch)
        var otherVerdict = base; otherVerdict.rules[0].verdict = .goto("svc"); variants.append(otherVerdict)
        var noVerdict = base; noVerdict.rules[0].verdict = nil; variants.append(noVerdict)
        var regular = base; regular.attachment = nil; variants.append(regular)
        var otherHook = base; otherHook.attachment!.hook = .output; variants.append(otherHook)
        var otherPriority = base; otherPriority.attachment!.namedPriority = ChainPriority(absolute: 0); variants.append(otherPriority)
        var otherType = base; otherType.attachment!.type = .filter; variants.append(otherType)
        var dropPolicy = base; dropPolicy.attachment!.policyAccepts = false; variants.append(dropPolicy)
        var uncommented = base; uncommented.comment = nil; variants.append(uncommented)
        var emptyComment = base; emptyComment.comment = ""; variants.append(emptyComment)
        let digests = ([base] + variants).map(NFTablesTypedDigest.digest(of:))
        #expect(Set(digests).count == digests.count)
    }

    @Test func everyFieldOfASetOrMapMovesItsDigest() {
        let key: [KeyComponent] = [.address(IPAddress("10.0.0.1")!), .l4Protocol(.tcp), .port(80)]
        let set = NamedSet(name: "s", fields: [.destinationAddress, .l4Protocol, .destinationPort],
                           keyTypes: [.ipv4Address, .inetProto, .inetService], elements: [SetElement(key, comment: "e")],
                           flags: [.timeout], timeoutSeconds: 10, comment: "c")
        var setVariants: [NamedSet] = []
        var a = set; a.name = "t"; setVariants.append(a)
        var b = set; b.fields.removeLast(); setVariants.append(b)
        var c = set; c.keyTypes.removeLast(); setVariants.append(c)
        var d = set; d.elements = []; setVariants.append(d)
        var e = set; e.elements[0].comment = nil; setVariants.append(e)
        var f = set; f.flags = [.dynamic]; setVariants.append(f)
        var g = set; g.timeoutSeconds = nil; setVariants.append(g)
        var h = set; h.comment = nil; setVariants.append(h)
        let setDigests = ([set] + setVariants).map(NFTablesTypedDigest.digest(of:))
        #expect(Set(setDigests).count == setDigests.count)

        let map = VerdictMap(name: "m", fields: [.destinationAddress, .l4Protocol, .destinationPort],
                             keyTypes: [.ipv4Address, .inetProto, .inetService],
                             entries: [VerdictMap.Entry(key: key, verdict: .goto("svc"), comment: "e")], comment: "c")
        var mapVariants: [VerdictMap] = []
        var m1 = map; m1.name = "n"; mapVariants.append(m1)
        var m2 = map; m2.fields.removeLast(); mapVariants.append(m2)
        var m3 = map; m3.keyTypes.removeLast(); mapVariants.append(m3)
        var m4 = map; m4.entries[0].verdict = .jump("svc"); mapVariants.append(m4)
        var m5 = map; m5.entries[0].comment = nil; mapVariants.append(m5)
        var m6 = map; m6.entries[0].key = [.address(IPAddress("10.0.0.2")!), .l4Protocol(.tcp), .port(80)]; mapVariants.append(m6)
        var m7 = map; m7.comment = nil; mapVariants.append(m7)
        let mapDigests = ([map] + mapVariants).map(NFTablesTypedDigest.digest(of:))
        #expect(Set(mapDigests).count == mapDigests.count)
    }
}
