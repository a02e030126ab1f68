/// Where inside a message the kernel pointed with an extended-ack offset: the chain of
/// netlink attributes down to the offending one, and for rules the expression it belongs to.
public struct AttributeLocation: Hashable, Sendable, CustomStringConvertible {
    /// 0-based position of the expression in the rule, when the offset falls inside one.
    public let expressionIndex: Int?
    public let expressionName: String?
    /// Attribute names from the outermost inwards, e.g. `["NFTA_RULE_EXPRESSIONS"]`.
    public let path: [String]

    public var description: String {
        var parts: [String] = []
        if let expressionIndex {
            parts.append("expression \(expressionIndex + 1)" + (expressionName.map { " (\($0))" } ?? ""))
        }
        let attributes = path.filter { $0 != "NFTA_RULE_EXPRESSIONS" && $0 != "NFTA_LIST_ELEM" }
        if !attributes.isEmpty { parts.append("attribute " + attributes.joined(separator: " > ")) }
        return parts.isEmpty ? "the message header" : parts.joined(separator: ", ")
    }

    /// Locates `offset` (bytes from the start of the netlink message) in `message`.
    static func locate(offset: Int, in message: UnsafeRawBufferPointer, messageType: UInt8) -> AttributeLocation? {
        // nlmsghdr (16) + nfgenmsg (4), then the top-level attributes.
        let start = 20
        guard offset >= start, offset < message.count else { return nil }
        var path: [String] = []
        var expressionIndex: Int?
        var expressionName: String?
        var level = AttributeNames.top(messageType)
        var cursor = start
        var end = message.count
        var inExpressionList = false
        var inExpression = false
        var elementIndex = 0
        while cursor + 4 <= end {
            let length = Int(message.load(fromByteOffset: cursor, as: UInt16.self))
            let type = Int(message.load(fromByteOffset: cursor + 2, as: UInt16.self)) & 0x3fff
            guard length >= 4 else { break }
            let next = cursor + ((length + 3) & ~3)
            if offset >= cursor && offset < cursor + length {
                path.append(level.name(type))
                if inExpressionList {
                    expressionIndex = elementIndex
                    expressionName = AttributeNames.expressionName(in: message, element: cursor, length: length)
                    inExpressionList = false
                    inExpression = true
                    level = AttributeNames.expressionElement
                } else if inExpression && type == 2 {
                    inExpression = false
                    level = AttributeNames.expressionData(expressionName ?? "")
                } else if let nested = level.nested(type) {
                    if nested.isExpressionList { inExpressionList = true }
                    level = nested
                } else {
                    break
                }
                if offset == cursor { break }
                end = cursor + length
                cursor += 4
                elementIndex = 0
                continue
            }
            if inExpressionList { elementIndex += 1 }
            cursor = next
        }
        return AttributeLocation(expressionIndex: expressionIndex, expressionName: expressionName, path: path)
    }
}

/// Names of the nf_tables attributes PacketPath sends, for error messages.
struct AttributeNames {
    let names: [Int: String]
    let nestedLevels: [Int: AttributeNames]
    let isExpressionList: Bool

    init(_ names: [Int: String], nested: [Int: AttributeNames] = [:], isExpressionList: Bool = false) {
        self.names = names
        self.nestedLevels = nested
        self.isExpressionList = isExpressionList
    }

    func name(_ type: Int) -> String { names[type] ?? "attribute \(type)" }
    func nested(_ type: Int) -> AttributeNames? { nestedLevels[type] }

    static let expressionList = AttributeNames([1: "NFTA_LIST_ELEM"], isExpressionList: true)
    static let expressionElement = AttributeNames([1: "NFTA_EXPR_NAME", 2: "NFTA_EXPR_DATA"])

    static let data = AttributeNames([1: "NFTA_DATA_VALUE", 2: "NFTA_DATA_VERDICT"], nested: [
        2: AttributeNames([1: "NFTA_VERDICT_CODE", 2: "NFTA_VERDICT_CHAIN", 3: "NFTA_VERDICT_CHAIN_ID"]),
    ])

    static func top(_ messageType: UInt8) -> AttributeNames {
        switch messageType {
        case 0, 2: // NEWTABLE, DELTABLE
            return AttributeNames([1: "NFTA_TABLE_NAME", 2: "NFTA_TABLE_FLAGS", 4: "NFTA_TABLE_HANDLE",
                                   6: "NFTA_TABLE_USERDATA"])
        case 3, 5: // NEWCHAIN, DELCHAIN
            return AttributeNames([1: "NFTA_CHAIN_TABLE", 2: "NFTA_CHAIN_HANDLE", 3: "NFTA_CHAIN_NAME",
                                   4: "NFTA_CHAIN_HOOK", 5: "NFTA_CHAIN_POLICY", 7: "NFTA_CHAIN_TYPE",
                                   10: "NFTA_CHAIN_FLAGS", 12: "NFTA_CHAIN_USERDATA"], nested: [
                4: AttributeNames([1: "NFTA_HOOK_HOOKNUM", 2: "NFTA_HOOK_PRIORITY", 3: "NFTA_HOOK_DEV"]),
            ])
        case 9, 11, 12, 14: // NEWSET, DELSET, NEWSETELEM, DELSETELEM
            return AttributeNames([1: "NFTA_SET_TABLE", 2: "NFTA_SET_NAME", 3: "NFTA_SET_FLAGS", 4: "NFTA_SET_KEY_TYPE",
                                   5: "NFTA_SET_KEY_LEN", 6: "NFTA_SET_DATA_TYPE", 7: "NFTA_SET_DATA_LEN",
                                   10: "NFTA_SET_ID"])
        default: // NEWRULE, DELRULE
            return AttributeNames([1: "NFTA_RULE_TABLE", 2: "NFTA_RULE_CHAIN", 3: "NFTA_RULE_HANDLE",
                                   4: "NFTA_RULE_EXPRESSIONS", 6: "NFTA_RULE_POSITION", 7: "NFTA_RULE_USERDATA"],
                                  nested: [4: expressionList])
        }
    }

    static func expressionData(_ kind: String) -> AttributeNames {
        switch kind {
        case "payload":
            return AttributeNames([1: "NFTA_PAYLOAD_DREG", 2: "NFTA_PAYLOAD_BASE", 3: "NFTA_PAYLOAD_OFFSET",
                                   4: "NFTA_PAYLOAD_LEN"])
        case "meta":
            return AttributeNames([1: "NFTA_META_DREG", 2: "NFTA_META_KEY", 3: "NFTA_META_SREG"])
        case "cmp":
            return AttributeNames([1: "NFTA_CMP_SREG", 2: "NFTA_CMP_OP", 3: "NFTA_CMP_DATA"], nested: [3: data])
        case "bitwise":
            return AttributeNames([1: "NFTA_BITWISE_SREG", 2: "NFTA_BITWISE_DREG", 3: "NFTA_BITWISE_LEN",
                                   4: "NFTA_BITWISE_MASK", 5: "NFTA_BITWISE_XOR"], nested: [4: data, 5: data])
        case "range":
            return AttributeNames([1: "NFTA_RANGE_SREG", 2: "NFTA_RANGE_OP", 3: "NFTA_RANGE_FROM_DATA",
                                   4: "NFTA_RANGE_TO_DATA"], nested: [3: data, 4: data])
        case "immediate":
            return AttributeNames([1: "NFTA_IMMEDIATE_DREG", 2: "NFTA_IMMEDIATE_DATA"], nested: [2: data])
        case "match":
            return AttributeNames([1: "NFTA_MATCH_NAME", 2: "NFTA_MATCH_REV", 3: "NFTA_MATCH_INFO"])
        case "target":
            return AttributeNames([1: "NFTA_TARGET_NAME", 2: "NFTA_TARGET_REV", 3: "NFTA_TARGET_INFO"])
        default:
            return AttributeNames([:])
        }
    }

    /// The NFTA_EXPR_NAME string of the list element at `element`.
    static func expressionName(in message: UnsafeRawBufferPointer, element: Int, length: Int) -> String? {
        var cursor = element + 4
        let end = element + length
        while cursor + 4 <= end {
            let attributeLength = Int(message.load(fromByteOffset: cursor, as: UInt16.self))
            let type = Int(message.load(fromByteOffset: cursor + 2, as: UInt16.self)) & 0x3fff
            guard attributeLength >= 4 else { return nil }
            if type == 1 {
                let bytes = message[(cursor + 4)..<(cursor + attributeLength)]
                let stop = bytes.firstIndex(of: 0) ?? bytes.endIndex
                return String(decoding: bytes[bytes.startIndex..<stop], as: UTF8.self)
            }
            cursor += (attributeLength + 3) & ~3
        }
        return nil
    }
}
