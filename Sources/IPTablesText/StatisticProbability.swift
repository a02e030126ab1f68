#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RuleModel

/// How xt_statistic stores a probability and how iptables spells it.
///
/// iptables-restore reads the decimal text and the kernel keeps `lround(p × 2^31)`;
/// iptables-save prints that integer back as `%.11f` of `k / 2^31`. kube-proxy writes `%.10f`
/// of its 1/n, so two rulesets program the same packet split exactly when the stored integers
/// agree.
public enum StatisticProbability {
    static let scale = 2_147_483_648.0

    /// The 32-bit value the kernel holds after restoring the rule from kube-proxy's 10-digit text.
    public static func kernelValue(_ probability: Probability) -> UInt32 {
        kernelValue(ofText: ProbabilityText.fixed10(probability.value))
    }

    /// The 32-bit value the kernel holds after restoring decimal `text`.
    static func kernelValue(ofText text: [UInt8]) -> UInt32 {
        let value = strtod(String(decoding: text, as: UTF8.self), nil)
        return UInt32(clamping: lround(value * scale))
    }

    /// `%.11f` of the stored value: what iptables-save prints.
    public static func liveText(_ probability: Probability) -> [UInt8] {
        ProbabilityText.format(Double(kernelValue(probability)) / scale, digits: 11)
    }

    /// The probability a live dump reads back as for a stored value: the parse of iptables-save's
    /// `%.11f` text of `value / 2^31`, so that a rule read from the kernel directly and the same
    /// rule read through iptables-save carry equal probabilities. Nil above 1 (2^31).
    public static func probability(kernelValue value: UInt32) -> Probability? {
        guard value <= 1 << 31 else { return nil }
        return parse(String(decoding: ProbabilityText.format(Double(value) / scale, digits: 11), as: UTF8.self))
    }

    /// The probability a decimal text denotes, as the simplest fraction that prints back the
    /// same (`0.3333333333` → 1/3) or, for iptables-save's 11 digits, that the kernel stores
    /// identically (`0.33333333349` → 1/3). Falls back to the exact decimal or stored value.
    static func parse(_ text: String) -> Probability? {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.allSatisfy({ $0 == UInt8(ascii: ".") || ($0 >= 0x30 && $0 <= 0x39) }),
              utf8.filter({ $0 == UInt8(ascii: ".") }).count <= 1 else { return nil }
        let value = strtod(text, nil)
        guard value >= 0, value <= 1 else { return nil }
        let digits = utf8.firstIndex(of: UInt8(ascii: ".")).map { utf8.count - $0 - 1 } ?? 0
        let stored = kernelValue(ofText: utf8)
        if let candidate = Probability.nearestFraction(to: value) {
            if ProbabilityText.format(candidate.value, digits: Int32(digits)) == utf8 { return candidate }
            if digits >= 11 && kernelValue(candidate) == stored { return candidate }
        }
        if digits >= 11 { return Probability(UInt64(stored), 1 << 31) }
        guard digits <= 18 else { return nil }
        var numerator: UInt64 = 0
        for byte in utf8 where byte != UInt8(ascii: ".") { numerator = numerator * 10 + UInt64(byte - 0x30) }
        var denominator: UInt64 = 1
        for _ in 0..<digits { denominator *= 10 }
        return Probability(numerator, denominator)
    }
}
