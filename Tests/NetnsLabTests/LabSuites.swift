import NetworkNamespaces
import Testing

/// All namespace-building suites run one at a time: they share the machine's two cores and
/// some check that this process left no lab namespace behind.
@Suite(.serialized, .enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
enum PrivilegedLabTests {}
