import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Named sets and verdict maps, with the user data nft writes for `type …` declarations.
struct NamedSetEncoder {
    let table: ObjectName

    func definition(_ set: NamedSet) throws(NFTablesEncodingError) -> NFTablesProgram.SetDefinition {
        var flags: NetfilterSet.Flags = []
        if set.flags.contains(.constant) { flags.insert(.constant) }
        if set.flags.contains(.interval) { flags.insert(.interval) }
        if set.flags.contains(.timeout) { flags.insert(.timeout) }
        if set.flags.contains(.dynamic) { flags.insert(.dynamic) }
        var userData = SetUserData.u32(SetUserData.keyByteOrder, SetKeys.byteOrder(set.keyTypes))
        if let comment = set.comment { userData += SetUserData.string(SetUserData.comment, comment) }
        let value = NetfilterSet(table: table, name: objectName(set.name), flags: flags,
                                 keyType: SetKeys.keyType(set.keyTypes), keyLength: SetKeys.keyLength(set.keyTypes),
                                 timeout: set.timeoutSeconds.map { UInt64($0) * 1000 }, userData: userData)
        if set.flags.contains(.interval) {
            return NFTablesProgram.SetDefinition(set: value, elements: try intervalElements(set))
        }
        var elements: [KernelElement] = []
        elements.reserveCapacity(set.elements.count)
        for element in set.elements {
            elements.append(KernelElement(key: try SetKeys.key(element.key),
                                       userData: element.comment.map(NetfilterUserData.comment)))
        }
        return NFTablesProgram.SetDefinition(set: value, elements: elements)
    }

    func definition(_ map: VerdictMap) throws(NFTablesEncodingError) -> NFTablesProgram.SetDefinition {
        var userData = SetUserData.u32(SetUserData.keyByteOrder, SetKeys.byteOrder(map.keyTypes))
        userData += SetUserData.u32(SetUserData.dataByteOrder, 0)
        if map.keyTypes.count > 1 {
            // What nft 1.0.6 records for a concatenated `type` key.
            userData += SetUserData.typeof(SetUserData.keyTypeof, kind: SetUserData.concatKind, data: [])
        }
        userData += SetUserData.u32(SetUserData.dataInterval, 0)
        if let comment = map.comment { userData += SetUserData.string(SetUserData.comment, comment) }
        let value = NetfilterSet(table: table, name: objectName(map.name), flags: [.map],
                                 keyType: SetKeys.keyType(map.keyTypes), keyLength: SetKeys.keyLength(map.keyTypes),
                                 dataType: NetfilterSet.DataType.verdict, dataLength: 0, userData: userData)
        var elements: [KernelElement] = []
        elements.reserveCapacity(map.entries.count)
        for entry in map.entries {
            elements.append(KernelElement(key: try SetKeys.key(entry.key), verdict: try mapVerdict(entry.verdict, map.name),
                                       userData: entry.comment.map(NetfilterUserData.comment)))
        }
        return NFTablesProgram.SetDefinition(set: value, elements: elements)
    }

    /// A named `flags interval` set of addresses and prefixes: ranges as nft sends them,
    /// touching ones kept apart (no `auto-merge`).
    private func intervalElements(_ set: NamedSet) throws(NFTablesEncodingError) -> [KernelElement] {
        var prefixes: [IPPrefix] = []
        prefixes.reserveCapacity(set.elements.count)
        for element in set.elements {
            // A range is two kernel elements: there is no single one a comment could go on.
            guard element.comment == nil else {
                throw NFTablesEncodingError("set \(set.name): element comments in interval sets are not encoded")
            }
            switch element.key.count == 1 ? element.key[0] : nil {
            case .address(let address)?: prefixes.append(IPPrefix(host: address))
            case .prefix(let prefix)?: prefixes.append(prefix.network)
            default: throw NFTablesEncodingError("set \(set.name): interval keys other than addresses are not encoded")
            }
        }
        return IntervalElements.elements(prefixes, merge: false)
    }

    private func mapVerdict(_ verdict: Verdict, _ map: ChainName) throws(NFTablesEncodingError) -> NetfilterVerdict {
        switch verdict {
        case .accept: return .accept
        case .drop: return .drop
        case .return: return .return
        case .jump(let chain): return .jump(objectName(chain))
        case .goto(let chain): return .goto(objectName(chain))
        default: throw NFTablesEncodingError("map \(map): \(verdict) is not a plain verdict")
        }
    }
}

func objectName(_ name: ChainName) -> ObjectName {
    name.withUTF8 { ObjectName(utf8: $0) }
}
