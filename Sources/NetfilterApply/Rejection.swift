import NetfilterNetlink
#if canImport(Glibc)
import Glibc
#endif

/// Turns the kernel's per-message failures into errors naming PacketPath's objects.
enum Rejection {
    static func describe(_ failures: [MessageFailure], repliesLost: Bool, desired: DesiredState,
                         kernelObjects: [KernelObject], connection: KernelConnection, transaction: Transaction) -> ApplyError {
        if failures.contains(where: { $0.errno == EPERM || $0.errno == EACCES }) {
            return .notPrivileged("the kernel refused netfilter changes (needs CAP_NET_ADMIN in the target namespace)")
        }
        // A chain created exclusively that exists: someone else's chain has PacketPath's name.
        for failure in failures where failure.errno == EEXIST {
            guard let packed = failure.tag, let tag = MessageTag(packed: packed), tag.kind == .chain,
                  desired.families.indices.contains(tag.family) else { continue }
            let family = desired.families[tag.family]
            guard family.ruleset.tables.indices.contains(tag.table),
                  family.ruleset.tables[tag.table].chains.indices.contains(tag.chain) else { continue }
            let table = family.ruleset.tables[tag.table]
            return .foreignChain(family: "\(family.family)", table: table.name, chain: "\(table.chains[tag.chain].name)")
        }
        var objects = failures.map { failure in
            describe(failure, desired: desired, kernelObjects: kernelObjects, connection: connection, transaction: transaction)
        }
        if objects.isEmpty {
            objects.append(RejectedObject(object: "the batch", rule: nil, errno: 0,
                                          reason: repliesLost ? "the kernel's replies were lost" : "no commit confirmation",
                                          attribute: nil))
        }
        return .rejected(objects)
    }

    private static func describe(_ failure: MessageFailure, desired: DesiredState, kernelObjects: [KernelObject],
                                 connection: KernelConnection, transaction: Transaction) -> RejectedObject {
        var reason = String(cString: strerror(failure.errno)) + (failure.message.map { " (\($0))" } ?? "")
        let attribute = failure.attribute?.description
        if let packed = failure.tag, let tag = MessageTag(packed: packed), tag.kind == .kernelObject,
           kernelObjects.indices.contains(tag.chain) {
            let object = kernelObjects[tag.chain]
            if failure.errno == EBUSY, case .delete = object.action,
               let user = References.firstUser(of: object, connection: connection, transaction: transaction) {
                reason += ": still referenced by \(user)"
            }
            return RejectedObject(object: object.description, rule: nil, errno: failure.errno, reason: reason, attribute: attribute)
        }
        guard let packed = failure.tag, let tag = MessageTag(packed: packed), desired.families.indices.contains(tag.family) else {
            return RejectedObject(object: "batch message \(failure.sequence)", rule: nil, errno: failure.errno,
                                  reason: reason, attribute: attribute)
        }
        let family = desired.families[tag.family]
        switch tag.kind {
        case .kernelObject:
            return RejectedObject(object: "a kernel object", rule: nil, errno: failure.errno, reason: reason, attribute: attribute)
        case .stateRecord:
            return RejectedObject(object: "\(family.family) table \(Ownership.stateTable) (state record)", rule: nil,
                                  errno: failure.errno, reason: reason, attribute: attribute)
        case .table:
            let name = family.ruleset.tables.indices.contains(tag.table) ? family.ruleset.tables[tag.table].name : "?"
            return RejectedObject(object: "\(family.family) table \(name)", rule: nil, errno: failure.errno,
                                  reason: reason, attribute: attribute)
        case .chain, .rule:
            guard let table = family.tables.first(where: { $0.index == tag.table }),
                  family.ruleset.tables[table.index].chains.indices.contains(tag.chain) else {
                return RejectedObject(object: "batch message \(failure.sequence)", rule: nil, errno: failure.errno,
                                      reason: reason, attribute: attribute)
            }
            let model = family.ruleset.tables[table.index].chains[tag.chain]
            let chain = DesiredState.ChainRef(index: tag.chain, name: ObjectName(model.name), base: nil)
            guard tag.kind == .rule else {
                return RejectedObject(object: family.location(table, chain), rule: nil, errno: failure.errno,
                                      reason: reason, attribute: attribute)
            }
            let rule = model.rules.indices.contains(tag.rule)
                ? RulePrinter.text(model.rules[tag.rule], chain: model.name, table: family.ruleset.tables[table.index].name,
                                   family: family.ruleset.family)
                : nil
            return RejectedObject(object: family.location(table, chain, rule: tag.rule), rule: rule,
                                  errno: failure.errno, reason: reason, attribute: attribute)
        }
    }
}
