import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Named sets and verdict maps back into the rule model: the inverse of `NamedSetEncoder`.
/// Which packet fields fill a key is not stored with the set; `Table.inferSetFields` finds it
/// from the rules afterwards.
struct SetDecoder {
    let family: NetfilterFamily

    enum Decoded {
        case set(NamedSet)
        case map(VerdictMap)
    }

    func decode(_ definition: NFTablesProgram.SetDefinition) throws(RuleDecoder.Failure) -> Decoded {
        let set = definition.set
        guard let keyTypes = SetKeyDecoding.keyTypes(set.keyType), SetKeys.keyLength(keyTypes) == set.keyLength else {
            throw RuleDecoder.Failure(message: "key type \(set.keyType) of \(set.keyLength) bytes has no form in the model")
        }
        let comment = set.userData.flatMap { Self.comment(inSetUserData: $0) }
        let name = chainName(set.name)
        if set.flags.contains(.map) {
            guard set.dataType == NetfilterSet.DataType.verdict, !set.flags.contains(.interval) else {
                throw RuleDecoder.Failure(message: "a map to data or of intervals has no form in the model")
            }
            var entries: [VerdictMap.Entry] = []
            entries.reserveCapacity(definition.elements.count)
            for element in definition.elements {
                guard let key = SetKeyDecoding.components(element.key, keyType: set.keyType),
                      let verdict = element.verdict.flatMap(Verdict.init) else {
                    throw RuleDecoder.Failure(message: "an element the model has no form for")
                }
                entries.append(VerdictMap.Entry(key: key, verdict: verdict,
                                                comment: element.userData.flatMap(NetfilterUserData.comment(in:))))
            }
            return .map(VerdictMap(name: name, fields: [], keyTypes: keyTypes, entries: entries.sorted(by: Self.keyOrder),
                                   comment: comment))
        }
        var flags: SetFlags = []
        if set.flags.contains(.constant) { flags.insert(.constant) }
        if set.flags.contains(.interval) { flags.insert(.interval) }
        if set.flags.contains(.timeout) { flags.insert(.timeout) }
        if set.flags.contains(.dynamic) { flags.insert(.dynamic) }
        var elements: [RuleModel.SetElement] = []
        if set.flags.contains(.interval) {
            guard keyTypes.count == 1, keyTypes[0] == .ipv4Address || keyTypes[0] == .ipv6Address,
                  let prefixes = IntervalDecoding.prefixes(definition.elements, width: Int(set.keyLength)) else {
                throw RuleDecoder.Failure(message: "interval elements that do not pair up as address ranges")
            }
            elements = prefixes.map { RuleModel.SetElement([KeyComponent(prefix: $0)]) }
        } else {
            elements.reserveCapacity(definition.elements.count)
            for element in definition.elements {
                guard let key = SetKeyDecoding.components(element.key, keyType: set.keyType) else {
                    throw RuleDecoder.Failure(message: "an element the model has no form for")
                }
                elements.append(RuleModel.SetElement(key, comment: element.userData.flatMap(NetfilterUserData.comment(in:))))
            }
            elements.sort { Self.keyOrder($0.key, $1.key) }
        }
        return .set(NamedSet(name: name, fields: [], keyTypes: keyTypes, elements: elements, flags: flags,
                             timeoutSeconds: set.timeout.map { UInt32(clamping: $0 / 1000) }, comment: comment))
    }

    /// The kernel keeps a hash set's elements in no meaningful order; the decoded ones are in
    /// key order (addresses, then protocol, then port), as `nft list` prints them.
    private static func keyOrder(_ lhs: VerdictMap.Entry, _ rhs: VerdictMap.Entry) -> Bool { keyOrder(lhs.key, rhs.key) }

    static func keyOrder(_ lhs: [KeyComponent], _ rhs: [KeyComponent]) -> Bool {
        for (left, right) in zip(lhs, rhs) {
            let leftBytes = (try? SetKeys.bytes(left)) ?? []
            let rightBytes = (try? SetKeys.bytes(right)) ?? []
            if leftBytes != rightBytes { return leftBytes.lexicographicallyPrecedes(rightBytes) }
        }
        return lhs.count < rhs.count
    }

    /// The comment record of nft's set user data (`SetUserData.comment`), if any.
    static func comment(inSetUserData data: [UInt8]) -> String? {
        var index = 0
        while index + 2 <= data.count {
            let type = data[index], length = Int(data[index + 1])
            let end = index + 2 + length
            guard end <= data.count else { return nil }
            if type == SetUserData.comment {
                var bytes = data[(index + 2)..<end]
                if bytes.last == 0 { bytes = bytes.dropLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            index = end
        }
        return nil
    }
}
