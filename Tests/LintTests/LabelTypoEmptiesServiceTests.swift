import Testing
import Lint

@Suite struct LabelTypoEmptiesServiceTests {
    @Test func suggestsTheNearestLabel() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", selector: "{app: web, tier: frontend}"),
                                              Fixtures.pod("web-1", labels: "{app: web, tier: fronted}")], LabelTypoEmptiesService())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .error)
        #expect(finding.field == "spec.selector.tier")
        #expect(finding.hint == "did you mean tier=fronted? (or fix the Pod's label)")
        #expect(finding.message.contains("Pod prod/web-1 has tier=fronted"))
    }

    @Test func typoInTheKey() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", selector: "{ap: web}"), Fixtures.pod("web-1", labels: "{app: web}")],
                                             LabelTypoEmptiesService())
        #expect(findings.first?.hint == "did you mean app=web? (or fix the Pod's label)")
    }

    @Test func noSuggestionWhenNothingIsClose() throws {
        #expect(try Fixtures.findings([Fixtures.service("web", selector: "{app: database}"), Fixtures.pod("web-1", labels: "{app: web}")],
                                      LabelTypoEmptiesService()).isEmpty)
        #expect(try Fixtures.findings([Fixtures.service("web"), Fixtures.pod("web-1", labels: "{app: web}")],
                                      LabelTypoEmptiesService()).isEmpty)
    }
}

@Suite struct SuggestionTests {
    @Test func oneLetterValuesAreNoTypos() throws {
        // `pod=d` is not a slip for `pod=a`: no suggestion, so the plain warning is given.
        let documents = [Fixtures.service("web", selector: "{pod: d}"), Fixtures.pod("web-1", labels: "{pod: a}")]
        #expect(try Fixtures.findings(documents, LabelTypoEmptiesService()).isEmpty)
        #expect(try Fixtures.findings(documents, ServiceSelectorMatchesNoPod()).count == 1)
    }

    @Test func swappedLettersAreOneEdit() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", selector: "{app: wbe}"), Fixtures.pod("web-1", labels: "{app: web}")],
                                             LabelTypoEmptiesService())
        #expect(findings.first?.hint == "did you mean app=web? (or fix the Pod's label)")
    }
}
