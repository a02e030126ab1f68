import CNetfilter
import CNetfilterShims

/// One atomic nf_tables transaction being built: `BATCH_BEGIN`, the messages, `BATCH_END`.
///
/// Owns its libnftnl batch (freed in deinit) and is confined to the thread that builds and
/// sends it. Messages carry no per-message ACK request, so a batch of 400,000 rules produces
/// one reply when it commits; failures are still reported per message, and the caller's tag
/// for each message says which object failed.
public final class NetfilterBatch {
    let batch: OpaquePointer
    let firstSequence: UInt32
    private(set) var nextSequence: UInt32
    private(set) var endSequence: UInt32?
    /// Tag and start of every message, indexed by `sequence - firstSequence - 1`.
    private var tags: [Int] = []
    private var messageStarts: [UnsafeMutableRawPointer] = []
    public private(set) var byteCount = 0
    private var lastSetID: UInt32 = 0x1000_0000

    public var messageCount: Int { tags.count }

    /// Starts a batch. With `generation`, the kernel refuses it unless the ruleset generation
    /// is still that one (nothing changed since it was read).
    public init(generation: UInt32? = nil, firstSequence: UInt32, pageSize: Int = 1 << 20) {
        // The overrun area must hold the largest single message: libnftnl does not bounds-check.
        batch = nftnl_batch_alloc(UInt32(pageSize), 1 << 16)
        self.firstSequence = firstSequence
        nextSequence = firstSequence &+ 1
        let cursor = nftnl_batch_buffer(batch)!.assumingMemoryBound(to: CChar.self)
        byteCount += pp_batch_begin(cursor, firstSequence, generation ?? 0)
        nftnl_batch_update(batch)
    }

    deinit {
        nftnl_batch_free(batch)
    }

    /// The caller's tag for a message, by sequence number.
    public func tag(forSequence sequence: UInt32) -> Int? {
        let index = Int(sequence &- firstSequence) - 1
        return tags.indices.contains(index) ? tags[index] : nil
    }

    func messageStart(forSequence sequence: UInt32) -> UnsafeMutableRawPointer? {
        let index = Int(sequence &- firstSequence) - 1
        return messageStarts.indices.contains(index) ? messageStarts[index] : nil
    }

    /// A set ID not used by callers' own small IDs.
    func makeSetID() -> UInt32 {
        lastSetID &+= 1
        return lastSetID
    }

    public func reserveCapacity(messages: Int) {
        tags.reserveCapacity(messages)
        messageStarts.reserveCapacity(messages)
    }

    // MARK: Tables

    /// `extraUserData` follows the comment record in the table's user data (nft ignores
    /// record types it does not know, so other tools can mark a table without changing how
    /// nft prints it).
    public func addTable(family: NetfilterFamily, name: ObjectName, comment: String? = nil, extraUserData: [UInt8] = [],
                         tag: Int) {
        let table = nftnl_table_alloc()!
        defer { nftnl_table_free(table) }
        name.withCString { nftnl_table_set_str(table, UInt16(NFTNL_TABLE_NAME.rawValue), $0) }
        nftnl_table_set_u32(table, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(family.rawValue))
        let userData = (comment.map(UserDataComment.encode) ?? []) + extraUserData
        if !userData.isEmpty {
            userData.withUnsafeBytes { raw in
                _ = nftnl_table_set_data(table, UInt16(NFTNL_TABLE_USERDATA.rawValue), raw.baseAddress, UInt32(raw.count))
            }
        }
        let header = beginMessage(NFT_MSG_NEWTABLE, family: family, flags: NLM_F_CREATE, tag: tag)
        nftnl_table_nlmsg_build_payload(header, table)
        endMessage(header)
    }

    public func deleteTable(family: NetfilterFamily, name: ObjectName, tag: Int) {
        let table = nftnl_table_alloc()!
        defer { nftnl_table_free(table) }
        name.withCString { nftnl_table_set_str(table, UInt16(NFTNL_TABLE_NAME.rawValue), $0) }
        let header = beginMessage(NFT_MSG_DELTABLE, family: family, flags: 0, tag: tag)
        nftnl_table_nlmsg_build_payload(header, table)
        endMessage(header)
    }

    // MARK: Chains

    /// Creates a chain if it does not exist (an existing chain is left as it is, including
    /// its comment and, for base chains, its policy). With `exclusive`, an existing chain
    /// makes the kernel refuse the batch (EEXIST).
    public func addChain(family: NetfilterFamily, table: ObjectName, name: ObjectName, base: BaseChainSpec? = nil,
                         comment: String? = nil, exclusive: Bool = false, tag: Int) {
        let chain = nftnl_chain_alloc()!
        defer { nftnl_chain_free(chain) }
        setNames(chain, table: table, name: name)
        if let base {
            nftnl_chain_set_u32(chain, UInt16(NFTNL_CHAIN_HOOKNUM.rawValue), base.hook.rawValue)
            nftnl_chain_set_s32(chain, UInt16(NFTNL_CHAIN_PRIO.rawValue), base.priority)
            nftnl_chain_set_str(chain, UInt16(NFTNL_CHAIN_TYPE.rawValue), base.type)
            nftnl_chain_set_u32(chain, UInt16(NFTNL_CHAIN_POLICY.rawValue), base.policyAccepts ? UInt32(NF_ACCEPT) : UInt32(NF_DROP))
        }
        if let comment {
            UserDataComment.encode(comment).withUnsafeBytes { raw in
                _ = nftnl_chain_set_data(chain, UInt16(NFTNL_CHAIN_USERDATA.rawValue), raw.baseAddress, UInt32(raw.count))
            }
        }
        let header = beginMessage(NFT_MSG_NEWCHAIN, family: family, flags: NLM_F_CREATE | (exclusive ? NLM_F_EXCL : 0), tag: tag)
        nftnl_chain_nlmsg_build_payload(header, chain)
        endMessage(header)
    }

    public func deleteChain(family: NetfilterFamily, table: ObjectName, name: ObjectName, tag: Int) {
        let chain = nftnl_chain_alloc()!
        defer { nftnl_chain_free(chain) }
        setNames(chain, table: table, name: name)
        let header = beginMessage(NFT_MSG_DELCHAIN, family: family, flags: 0, tag: tag)
        nftnl_chain_nlmsg_build_payload(header, chain)
        endMessage(header)
    }

    /// Deletes every rule of a chain.
    public func flushChain(family: NetfilterFamily, table: ObjectName, name: ObjectName, tag: Int) {
        let rule = nftnl_rule_alloc()!
        defer { nftnl_rule_free(rule) }
        table.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_TABLE.rawValue), $0) }
        name.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_CHAIN.rawValue), $0) }
        let header = beginMessage(NFT_MSG_DELRULE, family: family, flags: 0, tag: tag)
        nftnl_rule_nlmsg_build_payload(header, rule)
        endMessage(header)
    }

    private func setNames(_ chain: OpaquePointer, table: ObjectName, name: ObjectName) {
        table.withCString { nftnl_chain_set_str(chain, UInt16(NFTNL_CHAIN_TABLE.rawValue), $0) }
        name.withCString { nftnl_chain_set_str(chain, UInt16(NFTNL_CHAIN_NAME.rawValue), $0) }
    }

    // MARK: Rules

    public enum RulePosition: Sendable, Hashable {
        /// After the chain's last rule.
        case append
        /// Before the chain's first rule.
        case prepend
        /// Right after the rule with this handle.
        case after(handle: UInt64)
        /// Right before the rule with this handle.
        case before(handle: UInt64)
    }

    /// The rule's layer-4 protocol as the xt compatibility layer sees it: xt matches and
    /// targets tied to a protocol (tcp, udp, sctp, REJECT --reject-with tcp-reset) are refused
    /// without it. iptables-nft sends it with every rule (protocol 0 when there is none).
    public struct Compat: Hashable, Sendable {
        public var protocolNumber: UInt32
        public var inverted: Bool

        public init(protocolNumber: UInt32, inverted: Bool = false) {
            self.protocolNumber = protocolNumber
            self.inverted = inverted
        }
    }

    /// Adds a rule built from `expressions`. The expressions are passed as a buffer so that
    /// a caller can reuse one scratch array for every rule.
    public func addRule(family: NetfilterFamily, table: ObjectName, chain: ObjectName,
                        expressions: UnsafeBufferPointer<Expression>, compat: Compat? = nil,
                        position: RulePosition = .append, userData: [UInt8]? = nil, tag: Int) throws {
        let rule = nftnl_rule_alloc()!
        defer { nftnl_rule_free(rule) }
        table.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_TABLE.rawValue), $0) }
        chain.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_CHAIN.rawValue), $0) }
        nftnl_rule_set_u32(rule, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(family.rawValue))
        if let compat {
            nftnl_rule_set_u32(rule, UInt16(NFTNL_RULE_COMPAT_PROTO.rawValue), compat.protocolNumber)
            nftnl_rule_set_u32(rule, UInt16(NFTNL_RULE_COMPAT_FLAGS.rawValue),
                               compat.inverted ? UInt32(NFT_RULE_COMPAT_F_INV.rawValue) : 0)
        }
        for expression in expressions {
            nftnl_rule_add_expr(rule, try expression.makeNftnl(family: family))
        }
        if let userData {
            userData.withUnsafeBytes {
                _ = nftnl_rule_set_data(rule, UInt16(NFTNL_RULE_USERDATA.rawValue), $0.baseAddress, UInt32($0.count))
            }
        }
        // The kernel places a rule after its position handle with NLM_F_APPEND, before it without.
        let append: Bool
        switch position {
        case .append: append = true
        case .prepend: append = false
        case .after(let handle):
            append = true
            nftnl_rule_set_u64(rule, UInt16(NFTNL_RULE_POSITION.rawValue), handle)
        case .before(let handle):
            append = false
            nftnl_rule_set_u64(rule, UInt16(NFTNL_RULE_POSITION.rawValue), handle)
        }
        let flags = NLM_F_CREATE | (append ? NLM_F_APPEND : 0)
        let header = beginMessage(NFT_MSG_NEWRULE, family: family, flags: flags, tag: tag)
        nftnl_rule_nlmsg_build_payload(header, rule)
        endMessage(header)
    }

    public func addRule(family: NetfilterFamily, table: ObjectName, chain: ObjectName, expressions: [Expression],
                        compat: Compat? = nil, position: RulePosition = .append, userData: [UInt8]? = nil,
                        tag: Int) throws {
        try expressions.withUnsafeBufferPointer {
            try addRule(family: family, table: table, chain: chain, expressions: $0, compat: compat,
                        position: position, userData: userData, tag: tag)
        }
    }

    public func deleteRule(family: NetfilterFamily, table: ObjectName, chain: ObjectName, handle: UInt64, tag: Int) {
        let rule = nftnl_rule_alloc()!
        defer { nftnl_rule_free(rule) }
        table.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_TABLE.rawValue), $0) }
        chain.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_CHAIN.rawValue), $0) }
        nftnl_rule_set_u64(rule, UInt16(NFTNL_RULE_HANDLE.rawValue), handle)
        let header = beginMessage(NFT_MSG_DELRULE, family: family, flags: 0, tag: tag)
        nftnl_rule_nlmsg_build_payload(header, rule)
        endMessage(header)
    }

    // MARK: Framing

    /// Writes `BATCH_END`; no messages can be added afterwards.
    func finish() {
        guard endSequence == nil else { return }
        let cursor = nftnl_batch_buffer(batch)!.assumingMemoryBound(to: CChar.self)
        byteCount += pp_batch_end(cursor, nextSequence)
        nftnl_batch_update(batch)
        endSequence = nextSequence
        nextSequence &+= 1
    }

    func beginMessage(_ type: nf_tables_msg_types, family: NetfilterFamily, flags: Int32,
                              tag: Int) -> UnsafeMutablePointer<nlmsghdr> {
        precondition(endSequence == nil, "the batch is finished")
        let cursor = nftnl_batch_buffer(batch)!.assumingMemoryBound(to: CChar.self)
        let header = pp_nlmsg_build_hdr(cursor, UInt16(type.rawValue), UInt16(family.rawValue),
                                        UInt16(flags), nextSequence)!
        tags.append(tag)
        messageStarts.append(UnsafeMutableRawPointer(header))
        nextSequence &+= 1
        return header
    }

    func endMessage(_ header: UnsafeMutablePointer<nlmsghdr>) {
        byteCount += Int(header.pointee.nlmsg_len)
        nftnl_batch_update(batch)
    }
}
