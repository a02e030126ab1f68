import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Decodes nf_tables expressions, as `NetfilterNetlink` reads them back, into rule-model
/// rules: the inverse of `IPTablesNFTEncoder` for everything it writes, which is also what
/// iptables-nft 1.8.9 writes for the rules the model holds.
///
/// What comes back is what the kernel keeps, in the form a live `iptables-save` dump parses
/// to (see `RuleAssembly` for the match order): full-length prefixes as hosts, host bits
/// cleared, MARK as `--set-xmark`, REJECT with its kind, probabilities from their stored
/// 31-bit value. Counters are ignored. Anything else — an expression iptables-nft would not
/// write for the model, a match or target the model lacks, a malformed sequence — is an
/// error naming the expression, never skipped.
public struct IPTablesNFTDecoder: Sendable {
    public let family: IPFamily

    public init(family: IPFamily) {
        self.family = family
    }

    /// Decodes one rule. Throws `RuleDecodingError` (with the family and the offending
    /// expression; the caller knows the table, chain and position).
    public func decode(_ expressions: [Expression]) throws -> Rule {
        do {
            return try rule(expressions)
        } catch {
            throw RuleDecodingError(family: family, expression: error.index.map { expressions[$0].description },
                                    message: error.message)
        }
    }

    func rule(_ expressions: [Expression]) throws(ExpressionProblem) -> Rule {
        var reader = ExpressionReader(expressions)
        var assembly = RuleAssembly()
        var verdict: Verdict?
        while verdict == nil, let (index, expression) = reader.next() {
            switch expression {
            case .meta(let meta) where meta.source == nil && meta.key == .l4proto:
                try assembly.setProtocol(try MetaDecoding.l4Protocol(meta, at: index, reader: &reader), at: index)
            case .meta(let meta) where meta.source == nil && (meta.key == .iifname || meta.key == .oifname):
                try assembly.setInterface(try InterfaceEncoding.decode(meta, at: index, reader: &reader), at: index)
            case .meta(let meta) where meta.source == nil && meta.key == .mark:
                assembly.append(try MetaDecoding.mark(meta, at: index, reader: &reader))
            case .payload(let payload) where payload.base == .network:
                try assembly.setAddress(try AddressDecoding.decode(payload, at: index, family: family, reader: &reader),
                                        at: index)
            case .payload(let payload) where payload.base == .transport:
                let options = try PortDecoding.decode(payload, at: index, reader: &reader)
                guard let proto = assembly.proto else {
                    throw ExpressionProblem("compares ports without a protocol match (-p) before them", at: index)
                }
                try assembly.addPortMatch(proto, options, native: true, at: index)
            case .match(let match):
                try XTMatchDecoding.decode(match, at: index, into: &assembly)
            case .immediate(let immediate):
                verdict = try VerdictDecoding.verdict(immediate, at: index)
            case .target(let target):
                verdict = try VerdictDecoding.verdict(target, at: index, family: family)
            case .meta(let meta) where meta.source != nil:
                throw ExpressionProblem("sets packet metadata natively; iptables-nft does that only through xt targets", at: index)
            case .meta:
                throw ExpressionProblem("tests packet metadata the rule model has no match for (it has -i, -o, -p and -m mark)", at: index)
            default:
                throw ExpressionProblem("a \(expression.kindName) expression, which iptables-nft does not write for any match or target the rule model has", at: index)
            }
        }
        if let (index, _) = reader.next() {
            throw ExpressionProblem("an expression after the verdict", at: index)
        }
        return assembly.rule(verdict)
    }
}
