import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Anonymous sets and maps written inside a rule (`ip saddr != { … }`, `numgen … vmap { … }`).
/// nft names them `__set%d` / `__map%d` (the kernel picks the number) and binds the rule to
/// them by set ID within the batch.
struct AnonymousSetEncoder {
    let table: ObjectName
    let family: NetfilterFamily

    /// `numgen random mod N vmap { 0 : goto A, … }`: integer keys in host order.
    func randomChoiceMap(_ targets: [ChainName], id: UInt32) -> NFTablesProgram.SetDefinition {
        var userData = SetUserData.u32(SetUserData.keyByteOrder, 1)
        userData += SetUserData.u32(SetUserData.dataByteOrder, 0)
        userData += SetUserData.typeof(SetUserData.dataTypeof, kind: SetUserData.verdictKind, data: [])
        userData += SetUserData.u32(SetUserData.dataInterval, 0)
        let set = NetfilterSet(table: table, name: "__map%d", id: id, flags: [.anonymous, .constant, .map],
                               keyType: NetfilterSet.DataType.integer, keyLength: 4,
                               dataType: NetfilterSet.DataType.verdict, dataLength: 0, userData: userData,
                               descriptionSize: UInt32(targets.count))
        let elements = targets.enumerated().map { position, target in
            KernelElement(key: withUnsafeBytes(of: UInt32(position).littleEndian) { Array($0) },
                       verdict: .goto(objectName(target)))
        }
        return NFTablesProgram.SetDefinition(set: set, elements: elements)
    }

    /// An anonymous set of addresses (and prefixes, which make it an interval set).
    func addressSet(field: PacketField, _ components: [KeyComponent],
                    id: UInt32) throws(NFTablesEncodingError) -> NFTablesProgram.SetDefinition {
        guard field == .sourceAddress || field == .destinationAddress else {
            throw NFTablesEncodingError("anonymous sets of \(field) are not encoded yet")
        }
        let ipv6 = family == .ipv6
        var prefixes: [IPPrefix] = []
        for component in components {
            switch component {
            case .address(let address): prefixes.append(IPPrefix(host: address))
            case .prefix(let prefix): prefixes.append(prefix.network)
            default: throw NFTablesEncodingError("anonymous address set holds \(component)")
            }
        }
        let interval = prefixes.contains { !$0.isHost }
        var flags: NetfilterSet.Flags = [.anonymous, .constant]
        var userData = SetUserData.u32(SetUserData.keyByteOrder, 2)
        if interval {
            flags.insert(.interval)
            userData += SetUserData.u32(SetUserData.mergeElements, 1)
        }
        // typeof: a payload expression, described by nft's header and field numbers.
        let header: UInt32 = ipv6 ? 13 : 12
        let fieldNumber: UInt32 = field == .sourceAddress ? (ipv6 ? 8 : 11) : (ipv6 ? 9 : 12)
        userData += SetUserData.typeof(SetUserData.keyTypeof, kind: SetUserData.payloadKind,
                                       data: SetUserData.u32(0, header) + SetUserData.u32(1, fieldNumber))
        let elements = interval ? IntervalElements.elements(prefixes) : prefixes.map { KernelElement(key: $0.address.bytes) }
        let set = NetfilterSet(table: table, name: "__set%d", id: id, flags: flags,
                               keyType: ipv6 ? NetfilterSet.DataType.ipv6Address : NetfilterSet.DataType.ipv4Address,
                               keyLength: ipv6 ? 16 : 4, userData: userData, descriptionSize: UInt32(elements.count))
        return NFTablesProgram.SetDefinition(set: set, elements: elements)
    }
}
