#if canImport(Glibc)
import Glibc
#endif
import RuleModel

/// `--probability` as iptables stores it: kube-proxy prints the probability with `%.10f`,
/// iptables parses that text and keeps `lround(p × 2^31)`.
enum ProbabilityEncoding {
    static func fixedPoint(_ probability: Probability) -> UInt32 {
        var buffer = [CChar](repeating: 0, count: 48)
        _ = buffer.withUnsafeMutableBufferPointer { pointer in
            withVaList([probability.value]) { vsnprintf(pointer.baseAddress, 48, "%.10f", $0) }
        }
        let parsed = strtod(buffer, nil)
        return UInt32(clamping: lround(parsed * 2_147_483_648.0))
    }
}
