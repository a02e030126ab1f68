import CNetfilter

/// The expression kinds `RuleMessageDecoder` reads without libnftnl: each kernel attribute
/// (NFTA_*) with the libnftnl attribute (NFTNL_EXPR_*) it becomes and how libnftnl reads its
/// payload (big-endian integers to host order, strings, nested data values).
enum ExpressionLayouts {
    enum Value {
        case u8, u32, u64, string, data, immediateData, padding
    }

    struct Field {
        let attribute: Int
        let value: Value
    }

    struct Kind: Sendable {
        let name: [UInt8]
        /// Indexed by kernel attribute type.
        let layout: [Field?]
        let make: @Sendable (NftnlExpr, NetfilterFamily) -> Expression
    }

    static func kind(named payload: UnsafeRawBufferPointer) -> Kind? {
        // The name attribute ends with its NUL.
        guard let end = payload.firstIndex(of: 0) else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: payload[..<end])
        return kinds.first { $0.name.elementsEqual(name) }
    }

    private static func kind(_ name: String, _ fields: [(UInt32, Int, Value)],
                             _ make: @escaping @Sendable (NftnlExpr, NetfilterFamily) -> Expression) -> Kind {
        var layout = [Field?](repeating: nil, count: Int(fields.map(\.0).max() ?? 0) + 1)
        for (kernel, attribute, value) in fields { layout[Int(kernel)] = Field(attribute: attribute, value: value) }
        return Kind(name: Array(name.utf8), layout: layout, make: make)
    }

    /// Most frequent first (the lookup is linear).
    static let kinds: [Kind] = [
        kind(Cmp.kindName, [(NFTA_CMP_SREG.rawValue, NFTNL_EXPR_CMP_SREG, .u32), (NFTA_CMP_OP.rawValue, NFTNL_EXPR_CMP_OP, .u32),
                            (NFTA_CMP_DATA.rawValue, NFTNL_EXPR_CMP_DATA, .data)]) { .cmp(Cmp(reading: $0, family: $1)) },
        kind(Payload.kindName, [(NFTA_PAYLOAD_DREG.rawValue, NFTNL_EXPR_PAYLOAD_DREG, .u32),
                                (NFTA_PAYLOAD_BASE.rawValue, NFTNL_EXPR_PAYLOAD_BASE, .u32),
                                (NFTA_PAYLOAD_OFFSET.rawValue, NFTNL_EXPR_PAYLOAD_OFFSET, .u32),
                                (NFTA_PAYLOAD_LEN.rawValue, NFTNL_EXPR_PAYLOAD_LEN, .u32)]) { .payload(Payload(reading: $0, family: $1)) },
        kind(Immediate.kindName, [(NFTA_IMMEDIATE_DREG.rawValue, NFTNL_EXPR_IMM_DREG, .u32),
                                  (NFTA_IMMEDIATE_DATA.rawValue, NFTNL_EXPR_IMM_DATA, .immediateData)]) {
            .immediate(Immediate(reading: $0, family: $1))
        },
        kind(Meta.kindName, [(NFTA_META_DREG.rawValue, NFTNL_EXPR_META_DREG, .u32), (NFTA_META_KEY.rawValue, NFTNL_EXPR_META_KEY, .u32),
                             (NFTA_META_SREG.rawValue, NFTNL_EXPR_META_SREG, .u32)]) { .meta(Meta(reading: $0, family: $1)) },
        kind(Lookup.kindName, [(NFTA_LOOKUP_SET.rawValue, NFTNL_EXPR_LOOKUP_SET, .string),
                               (NFTA_LOOKUP_SET_ID.rawValue, NFTNL_EXPR_LOOKUP_SET_ID, .u32),
                               (NFTA_LOOKUP_SREG.rawValue, NFTNL_EXPR_LOOKUP_SREG, .u32),
                               (NFTA_LOOKUP_DREG.rawValue, NFTNL_EXPR_LOOKUP_DREG, .u32),
                               (NFTA_LOOKUP_FLAGS.rawValue, NFTNL_EXPR_LOOKUP_FLAGS, .u32)]) { .lookup(Lookup(reading: $0, family: $1)) },
        kind(Nat.kindName, [(NFTA_NAT_TYPE.rawValue, NFTNL_EXPR_NAT_TYPE, .u32), (NFTA_NAT_FAMILY.rawValue, NFTNL_EXPR_NAT_FAMILY, .u32),
                            (NFTA_NAT_REG_ADDR_MIN.rawValue, NFTNL_EXPR_NAT_REG_ADDR_MIN, .u32),
                            (NFTA_NAT_REG_ADDR_MAX.rawValue, NFTNL_EXPR_NAT_REG_ADDR_MAX, .u32),
                            (NFTA_NAT_REG_PROTO_MIN.rawValue, NFTNL_EXPR_NAT_REG_PROTO_MIN, .u32),
                            (NFTA_NAT_REG_PROTO_MAX.rawValue, NFTNL_EXPR_NAT_REG_PROTO_MAX, .u32),
                            (NFTA_NAT_FLAGS.rawValue, NFTNL_EXPR_NAT_FLAGS, .u32)]) { .nat(Nat(reading: $0, family: $1)) },
        kind(Bitwise.kindName, [(NFTA_BITWISE_SREG.rawValue, NFTNL_EXPR_BITWISE_SREG, .u32),
                                (NFTA_BITWISE_DREG.rawValue, NFTNL_EXPR_BITWISE_DREG, .u32),
                                (NFTA_BITWISE_LEN.rawValue, NFTNL_EXPR_BITWISE_LEN, .u32),
                                (NFTA_BITWISE_MASK.rawValue, NFTNL_EXPR_BITWISE_MASK, .data),
                                (NFTA_BITWISE_XOR.rawValue, NFTNL_EXPR_BITWISE_XOR, .data),
                                (NFTA_BITWISE_OP.rawValue, NFTNL_EXPR_BITWISE_OP, .u32),
                                (NFTA_BITWISE_DATA.rawValue, NFTNL_EXPR_BITWISE_DATA, .data)]) { .bitwise(Bitwise(reading: $0, family: $1)) },
        kind(Ct.kindName, [(NFTA_CT_DREG.rawValue, NFTNL_EXPR_CT_DREG, .u32), (NFTA_CT_KEY.rawValue, NFTNL_EXPR_CT_KEY, .u32),
                           (NFTA_CT_DIRECTION.rawValue, NFTNL_EXPR_CT_DIR, .u8), (NFTA_CT_SREG.rawValue, NFTNL_EXPR_CT_SREG, .u32)]) {
            .ct(Ct(reading: $0, family: $1))
        },
        kind(Numgen.kindName, [(NFTA_NG_DREG.rawValue, NFTNL_EXPR_NG_DREG, .u32), (NFTA_NG_MODULUS.rawValue, NFTNL_EXPR_NG_MODULUS, .u32),
                               (NFTA_NG_TYPE.rawValue, NFTNL_EXPR_NG_TYPE, .u32),
                               (NFTA_NG_OFFSET.rawValue, NFTNL_EXPR_NG_OFFSET, .u32)]) { .numgen(Numgen(reading: $0, family: $1)) },
        kind(Masq.kindName, [(NFTA_MASQ_FLAGS.rawValue, NFTNL_EXPR_MASQ_FLAGS, .u32),
                             (NFTA_MASQ_REG_PROTO_MIN.rawValue, NFTNL_EXPR_MASQ_REG_PROTO_MIN, .u32),
                             (NFTA_MASQ_REG_PROTO_MAX.rawValue, NFTNL_EXPR_MASQ_REG_PROTO_MAX, .u32)]) { .masq(Masq(reading: $0, family: $1)) },
        kind(Fib.kindName, [(NFTA_FIB_DREG.rawValue, NFTNL_EXPR_FIB_DREG, .u32), (NFTA_FIB_RESULT.rawValue, NFTNL_EXPR_FIB_RESULT, .u32),
                            (NFTA_FIB_FLAGS.rawValue, NFTNL_EXPR_FIB_FLAGS, .u32)]) { .fib(Fib(reading: $0, family: $1)) },
        kind(Reject.kindName, [(NFTA_REJECT_TYPE.rawValue, NFTNL_EXPR_REJECT_TYPE, .u32),
                               (NFTA_REJECT_ICMP_CODE.rawValue, NFTNL_EXPR_REJECT_CODE, .u8)]) { .reject(Reject(reading: $0, family: $1)) },
        kind(RangeExpression.kindName, [(NFTA_RANGE_SREG.rawValue, NFTNL_EXPR_RANGE_SREG, .u32),
                                        (NFTA_RANGE_OP.rawValue, NFTNL_EXPR_RANGE_OP, .u32),
                                        (NFTA_RANGE_FROM_DATA.rawValue, NFTNL_EXPR_RANGE_FROM_DATA, .data),
                                        (NFTA_RANGE_TO_DATA.rawValue, NFTNL_EXPR_RANGE_TO_DATA, .data)]) {
            .range(RangeExpression(reading: $0, family: $1))
        },
        kind(Dynset.kindName, [(NFTA_DYNSET_SET_NAME.rawValue, NFTNL_EXPR_DYNSET_SET_NAME, .string),
                               (NFTA_DYNSET_SET_ID.rawValue, NFTNL_EXPR_DYNSET_SET_ID, .u32),
                               (NFTA_DYNSET_OP.rawValue, NFTNL_EXPR_DYNSET_OP, .u32),
                               (NFTA_DYNSET_SREG_KEY.rawValue, NFTNL_EXPR_DYNSET_SREG_KEY, .u32),
                               (NFTA_DYNSET_SREG_DATA.rawValue, NFTNL_EXPR_DYNSET_SREG_DATA, .u32),
                               (NFTA_DYNSET_TIMEOUT.rawValue, NFTNL_EXPR_DYNSET_TIMEOUT, .u64),
                               (NFTA_DYNSET_PAD.rawValue, 0, .padding),
                               (NFTA_DYNSET_FLAGS.rawValue, NFTNL_EXPR_DYNSET_FLAGS, .u32)]) { .dynset(Dynset(reading: $0, family: $1)) },
        kind(Counter.kindName, [(NFTA_COUNTER_BYTES.rawValue, NFTNL_EXPR_CTR_BYTES, .u64),
                                (NFTA_COUNTER_PACKETS.rawValue, NFTNL_EXPR_CTR_PACKETS, .u64),
                                (NFTA_COUNTER_PAD.rawValue, 0, .padding)]) { .counter(Counter(reading: $0, family: $1)) },
    ]
}
