import CSHA256
import RuleModel

/// kube-proxy's chain-name suffix: the first 16 characters of the standard base32 encoding
/// of SHA-256(input), i.e. the digest's first 80 bits in 5-bit groups.
public enum ChainHash {
    /// Base32 (RFC 4648), a literal in read-only data: no lazily built array per lookup.
    private static var alphabet: StaticString { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" }

    /// Writes the 16 suffix characters of `input` into `output`.
    static func suffix(of input: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) {
        withDigest(of: input) { encode($0, into: output) }
    }

    /// SHA-256 of `input`, in one call with its state on the stack (`pp_sha256`): Swift
    /// Crypto's `SHA256` allocates and wipes a context object per hash, which cost as much as
    /// hashing the short names themselves.
    package static func withDigest<Result>(of input: UnsafeRawBufferPointer,
                                           _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { digest in
            pp_sha256(input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count,
                      digest.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return withUnsafeBytes(of: &digest) { body($0) }
    }

    /// The first 80 bits of a SHA-256 digest as 16 base32 characters.
    package static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) {
        // 10 bytes = two 40-bit groups of eight characters each.
        for group in 0..<2 {
            var bits: UInt64 = 0
            for index in 0..<5 { bits = bits << 8 | UInt64(bytes[group * 5 + index]) }
            for index in 0..<8 {
                output[group * 8 + index] = alphabet.utf8Start[Int((bits >> UInt64(35 - 5 * index)) & 31)]
            }
        }
    }

    /// `prefix` followed by the hash of `input`, e.g. `KUBE-SVC-` + hash("ns/svc:porttcp").
    public static func chainName(prefix: StaticString, input: String) -> ChainName {
        var input = input
        return input.withUTF8 { chainName(prefix: prefix, input: UnsafeRawBufferPointer($0)) }
    }

    public static func chainName(prefix: StaticString, input: UnsafeRawBufferPointer) -> ChainName {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { suffixBuffer in
            suffix(of: input, into: suffixBuffer)
            return ChainName(prefix: prefix, suffix: UnsafeBufferPointer(suffixBuffer))
        }
    }

    /// The 16-character suffix as a String (for tools that recompute names).
    public static func suffix(of input: String) -> String {
        chainName(prefix: "", input: input).description
    }
}
