import ArgumentParser
import ClusterState

/// Options of every command that reads manifests: which node to compile for, how much input
/// to accept, and whether to print notes.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The Node to compile for when the input holds several (kubectl get nodes -o yaml).", valueName: "name"))
    var node: String?

    @Option(name: .customLong("max-input-size"),
            help: ArgumentHelp("Refuse an input file larger than this (bytes, or with K, M or G).", valueName: "size"))
    var maxInputSize: ByteSize = ByteSize(bytes: LoadOptions.defaultMaxInputSize)

    @Flag(name: [.short, .long], help: "Print no notes on stderr (what was assumed or left out); warnings and errors still show.")
    var quiet = false

    func loadOptions(allowSharedClusterIPs: Bool = false) -> LoadOptions {
        LoadOptions(maxInputSize: maxInputSize.bytes, nodeName: node, allowSharedClusterIPs: allowSharedClusterIPs)
    }
}

/// `512K`, `64M`, `1G` or a plain number of bytes.
struct ByteSize: ExpressibleByArgument {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        var text = argument.uppercased()
        for suffix in ["IB", "B"] where text.hasSuffix(suffix) && text.count > suffix.count {
            text.removeLast(suffix.count)
            break
        }
        let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30]
        var shift = 0
        if let last = text.last, let value = shifts[last] {
            shift = value
            text.removeLast()
        }
        guard let number = Int(text), number > 0, number <= Int.max >> shift else { return nil }
        bytes = number << shift
    }

    var defaultValueDescription: String { "256M" }
}
