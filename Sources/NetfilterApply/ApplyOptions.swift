/// How `NetfilterApplier` applies rulesets.
public struct ApplyOptions: Sendable {
    /// Allow applying into the network namespace the process itself runs in (the host's, in
    /// the usual case). Off by default so that a mistyped target cannot rewrite the host.
    public var host: Bool
    /// Skip the generation shortcut and always read the kernel state back to decide whether
    /// anything changed.
    public var alwaysReadBack: Bool
    /// Plan the changes and report them (`ApplyReport.dryRunText`) without sending anything.
    public var dryRun: Bool
    /// Called with progress updates, on the thread doing the work.
    public var progress: (@Sendable (ApplyProgress) -> Void)?
    /// Kept between the applies of one process (`apply --watch`): see `ApplyMemory`.
    public var memory: ApplyMemory?

    public init(host: Bool = false, alwaysReadBack: Bool = false, dryRun: Bool = false,
                progress: (@Sendable (ApplyProgress) -> Void)? = nil, memory: ApplyMemory? = nil) {
        self.host = host
        self.alwaysReadBack = alwaysReadBack
        self.dryRun = dryRun
        self.progress = progress
        self.memory = memory
    }
}

/// A step of an apply, for progress reports on large rulesets.
public enum ApplyProgress: Sendable, Equatable, CustomStringConvertible {
    /// Encoding the desired rules (to fingerprint them).
    case encoding(rules: Int)
    /// Reading the kernel's chains and rules back.
    case readingKernel(chains: Int)
    /// Building the batch: `done` of `total` rules so far.
    case building(done: Int, total: Int)
    /// Sending the batch to the kernel.
    case sending(messages: Int, bytes: Int)
    case committed
    case unchanged

    public var description: String {
        switch self {
        case .encoding(let rules): return "encoding \(rules) rules"
        case .readingKernel(let chains): return "reading \(chains) chains back from the kernel"
        case .building(let done, let total): return "building the batch: \(done)/\(total) rules"
        case .sending(let messages, let bytes):
            return bytes == 0 ? "sending \(messages) operations" : "sending \(messages) messages (\(bytes / 1024) KiB)"
        case .committed: return "committed"
        case .unchanged: return "already up to date"
        }
    }
}
