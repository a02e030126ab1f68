import NetfilterNetlink
import NFTablesEncoding

/// The anonymous sets of the desired programs, found by the user data they are written with
/// (nft's key and typeof records plus the digest of their elements). Read-back takes a kernel
/// anonymous set's elements from here instead of dumping them when its user data carries a
/// digest and equals a known set's: the kernel keeps a bound anonymous set constant, so the
/// digest written with it still describes its elements.
public struct KnownAnonymousSets: Sendable {
    private var byUserData: [[UInt8]: NFTablesProgram.SetDefinition] = [:]

    public static let none = KnownAnonymousSets()

    public init() {}

    public init(_ programs: [NFTablesProgram]) {
        for program in programs {
            for rule in program.rules {
                for definition in rule.anonymousSets { add(definition) }
            }
        }
    }

    public var count: Int { byUserData.count }

    mutating func add(_ definition: NFTablesProgram.SetDefinition) {
        guard let userData = definition.set.userData, AnonymousSetDigest.recorded(in: userData) != nil else { return }
        byUserData[userData] = definition
    }

    /// The elements of a kernel set when it is anonymous and declared exactly as a known set
    /// with a digest; nil means it must be dumped.
    public func elements(of set: NetfilterSet) -> [SetElement]? {
        guard set.flags.contains(.anonymous), let userData = set.userData,
              let known = byUserData[userData] else { return nil }
        let wanted = known.set
        guard (wanted.flags, wanted.keyType, wanted.keyLength) == (set.flags, set.keyType, set.keyLength),
              (wanted.dataType, wanted.dataLength, wanted.timeout) == (set.dataType, set.dataLength, set.timeout)
        else { return nil }
        return known.elements
    }
}
