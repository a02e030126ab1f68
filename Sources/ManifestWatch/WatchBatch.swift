import ClusterState
import NetfilterApply

/// What one batch of file changes led to.
public struct WatchBatch: Sendable {
    public enum Outcome: Sendable {
        /// The state was compiled and handed to the applier (whose report says whether
        /// anything had to be sent).
        case applied(ApplyReport, rules: Int)
        /// No file's content changed (a rewrite with the same bytes): nothing decoded or sent.
        case unchanged
        /// The input cannot be loaded as it is now: nothing was applied, the last good state
        /// stays. One message per problem (file, document, object and field, as `load` says them).
        case invalid([String])
        /// The applier failed (the kernel refused the batch, …): nothing changed in the kernel.
        case failed(String)
    }

    public struct Timings: Sendable {
        /// From the first file event of the batch to the end of the apply.
        public var sinceEvent: Duration = .zero
        public var decode: Duration = .zero
        public var compile: Duration = .zero
        public var apply: Duration = .zero
    }

    /// Files whose content changed (or that appeared), re-decoded in this batch.
    public var decoded: [String] = []
    /// Files that disappeared: their objects are gone from the state.
    public var removed: [String] = []
    public var outcome: Outcome = .unchanged
    /// Warnings and notes the loaded state has now and did not have before.
    public var warnings: [ManifestWarning] = []
    public var timings = Timings()

    /// Whether the batch left the kernel with the files' current state.
    public var succeeded: Bool {
        switch outcome {
        case .applied, .unchanged: return true
        case .invalid, .failed: return false
        }
    }
}
