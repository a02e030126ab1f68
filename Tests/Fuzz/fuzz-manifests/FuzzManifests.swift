import ClusterState
import FuzzDriver

/// libFuzzer entry (built only by scripts/fuzz-smoke): any bytes through the manifest decoder.
/// Errors are the decoder's answer to bad input; only a crash, a hang or a sanitizer report is
/// a finding.
public func fuzzManifests(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ManifestLoader.load(sources: [ManifestSource(name: "fuzz.yaml", text: text)])
    return 0
}

/// The executable's entry (SwiftPM renames main to `fuzz_manifests_main`): libFuzzer's driver.
@_cdecl("fuzz_manifests_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzManifests)
}
