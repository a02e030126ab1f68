import IPTablesText
import FuzzDriver
import RuleModel

/// libFuzzer entry (built only by scripts/fuzz-smoke): any bytes through the iptables-save
/// parser. What parses must print in both spellings and parse back to the same rules, since
/// the review tools rely on printing and reparsing being faithful.
public func fuzzIPTablesSave(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let rulesets = try? IPTablesSaveParser(sourceName: "fuzz").parse(text) else { return 0 }
    for ruleset in rulesets {
        guard let saved = try? IPTablesSaveWriter().text(ruleset) else { continue }
        let reparsed: Ruleset
        do {
            reparsed = try IPTablesSaveParser(sourceName: "saved", family: ruleset.family).parseOne(saved)
        } catch {
            fatalError("the printed rules do not parse: \(error)\n\(saved)")
        }
        let again = try? IPTablesSaveWriter().text(reparsed)
        if again != saved { fatalError("printing is not stable:\n\(saved)\n---\n\(again ?? "(unprintable)")") }
    }
    return 0
}

/// The executable's entry (SwiftPM renames main to `fuzz_iptables_save_main`): libFuzzer's driver.
@_cdecl("fuzz_iptables_save_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzIPTablesSave)
}
