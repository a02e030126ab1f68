import FuzzDriver
import NFTText
import RuleModel

/// libFuzzer entry (built only by scripts/fuzz-smoke): any bytes through the nft text parser
/// (both the `nft -f` and the `nft list` form). What parses and prints must parse back to
/// text that prints the same, since diff and trace rely on printing and reparsing agreeing.
public func fuzzNFT(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let rulesets = try? NFTParser(sourceName: "fuzz").parse(text) else { return 0 }
    for ruleset in rulesets {
        guard let printed = try? NFTTextWriter().text(ruleset) else { continue }
        let reparsed: [Ruleset]
        do {
            reparsed = try NFTParser(sourceName: "printed").parse(printed)
        } catch {
            fatalError("the printed rules do not parse: \(error)\n\(printed)")
        }
        let again = reparsed.compactMap { try? NFTTextWriter().text($0) }.joined()
        if again != printed { fatalError("printing is not stable:\n\(printed)\n---\n\(again)") }
    }
    return 0
}

/// The executable's entry (SwiftPM renames main to `fuzz_nft_main`): libFuzzer's driver.
@_cdecl("fuzz_nft_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzNFT)
}
