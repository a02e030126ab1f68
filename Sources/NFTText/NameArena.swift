import RuleModel
import TextOutput

/// The chain names of a table copied once into one byte array.
///
/// Long (nftables) names are Strings: writing one from the model copies it, an atomic retain
/// and release on an object the other printing thread may be touching too. The declarations,
/// every rule line and the sort read a chain's name; they read it from here.
final class NameArena: @unchecked Sendable {
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Name `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private let starts: [Int]

    convenience init(_ chains: [Chain]) {
        self.init(chains.map(\.name))
    }

    init(_ names: [ChainName]) {
        var starts = [0]
        starts.reserveCapacity(names.count + 1)
        var total = 0
        for name in names {
            total += name.withUTF8 { $0.count }
            starts.append(total)
        }
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(total, 1))
        for (index, name) in names.enumerated() {
            name.withUTF8 { name in
                _ = UnsafeMutableBufferPointer(rebasing: bytes[starts[index]..<starts[index + 1]]).initialize(fromContentsOf: name)
            }
        }
        self.bytes = bytes
        self.starts = starts
    }

    deinit { bytes.deallocate() }

    var count: Int { starts.count - 1 }

    func name(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[starts[index]..<starts[index + 1]])
    }

    func write(_ index: Int, to out: inout ByteBuffer) {
        out.append(UnsafeRawBufferPointer(name(index)))
    }

    /// Indices in byte order of the names (ties keep their order).
    func sortedIndices() -> [Int] {
        NameOrder.sorted(count: count) { name($0) }
    }
}
