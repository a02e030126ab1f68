// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "PacketPath",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "PacketPath", targets: ["PacketPath"]),
        .executable(name: "packetpath", targets: ["packetpath"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // IPv4/IPv6 addresses and prefixes: parsing, canonical text, containment.
        .target(name: "NetworkAddresses", dependencies: ["TextOutput"]),
        // A growable byte buffer the text printers write into.
        .target(name: "TextOutput"),
        // Backend-neutral packet-path model: tables, chains, typed rules, sets and maps.
        .target(name: "RuleModel", dependencies: ["NetworkAddresses", "TextOutput", "CPrefetch", "PairedThreads"]),
        // Kubernetes objects and node settings: decoding, API defaulting, validation.
        .target(name: "ClusterState", dependencies: ["NetworkAddresses", "CLibYAML", "PairedThreads"]),
        // libyaml's event parser (libyaml-dev): ClusterState builds its own value tree from the events.
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // Services + EndpointSlices -> backend-neutral per-port plans (the layouts' shared input).
        .target(name: "ServiceCompiler", dependencies: [
            "ClusterState", "RuleModel", "PairedThreads", "CSHA256",
        ]),
        // Service-port plans -> the filter and nat chains kube-proxy v1.30's iptables mode programs.
        .target(name: "KubeProxyIPTables", dependencies: [
            "ClusterState", "RuleModel", "ServiceCompiler", "NetworkAddresses", "PairedThreads",
        ]),
        // Service-port plans -> the table kube-proxy v1.30's nftables mode programs, in the rule model.
        .target(name: "KubeProxyNFTables", dependencies: [
            "ClusterState", "RuleModel", "ServiceCompiler", "NetworkAddresses", "PairedThreads",
        ]),
        // Rule model (nftables tables) -> `nft -f` text in kube-proxy's dump order.
        .target(name: "NFTText", dependencies: ["RuleModel", "TextOutput", "NetworkAddresses", "CPrefetch", "PairedThreads"]),
        // NetworkPolicies + Pods + Namespaces -> a backend-neutral policy plan.
        .target(name: "PolicyCompiler", dependencies: ["ClusterState", "RuleModel", "ServiceCompiler", "NetworkAddresses"]),
        // The policy plan -> PacketPath's iptables filter chains (PP-*), beside kube-proxy's.
        .target(name: "PolicyIPTables", dependencies: ["ClusterState", "RuleModel", "PolicyCompiler", "ServiceCompiler", "NetworkAddresses"]),
        // The same policy plan -> PacketPath's own nftables table (sets, verdict maps).
        .target(name: "PolicyNFTables", dependencies: ["ClusterState", "RuleModel", "PolicyCompiler", "ServiceCompiler", "NetworkAddresses"]),
        // A prefetch hint (Swift has none), for walks over huge rulesets.
        .target(name: "CPrefetch"),
        // Two parts of a job on the calling thread and one fixed helper thread (allocator arenas).
        .target(name: "PairedThreads"),
        // SHA-256 in one call through the BoringSSL that swift-crypto builds (no context object).
        .target(name: "CSHA256", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Rule model <-> iptables-save text.
        .target(name: "IPTablesText", dependencies: ["RuleModel", "TextOutput", "CPrefetch", "PairedThreads"]),
        // Follows a packet through a ruleset's chains, branch by branch, with exact probabilities.
        .target(name: "PacketTrace", dependencies: ["RuleModel", "IPTablesText"]),
        // A Service's packet path as a graph (DOT, Mermaid), drawn from traces.
        .target(name: "PathGraph", dependencies: ["PacketTrace", "RuleModel"]),
        // Semantic comparison of two rulesets, reported per Service port.
        .target(name: "RuleDiff", dependencies: [
            "RuleModel", "IPTablesText", "ServiceCompiler", "PacketTrace", "KubeProxyNFTables", "KubeProxyIPTables", "PolicyIPTables",
            "PolicyNFTables",
        ]),
        // Service DNS names and Ingress routes -> the Services, addresses and ports they lead to.
        .target(name: "ServiceNames", dependencies: ["ClusterState", "NetworkAddresses"]),
        // Findings about the manifests themselves, one check per file.
        .target(name: "Lint", dependencies: ["ClusterState", "NetworkAddresses", "ServiceNames", "PacketPath", "PacketTrace"]),
        // Entering, creating and naming network namespaces (libc only).
        .target(name: "NetworkNamespaces", dependencies: ["CLinuxShims"]),
        // setns/unshare/pipe2, which Swift's Glibc module does not declare.
        .target(name: "CLinuxShims"),
        // libnftnl + libmnl + the netfilter uapi headers (only NetfilterNetlink imports it).
        .systemLibrary(name: "CNetfilter", pkgConfig: "libnftnl"),
        // Out-of-line stand-ins for the libmnl/libnftnl/netlink macros Swift cannot import.
        .target(name: "CNetfilterShims"),
        // Typed nf_tables objects and expressions, batches, sockets and read-back over libnftnl.
        .target(name: "NetfilterNetlink", dependencies: ["CNetfilter", "CNetfilterShims", "NetworkNamespaces"]),
        // Rule model -> nf_tables expressions exactly as iptables-nft 1.8.9 writes them.
        .target(name: "IPTablesNFTEncoding", dependencies: ["NetfilterNetlink", "RuleModel", "NetworkAddresses", "IPTablesText"]),
        // Rule model (nftables tables) -> nf_tables objects and expressions exactly as nft 1.0.6 makes them.
        .target(name: "NFTablesEncoding", dependencies: ["NetfilterNetlink", "RuleModel", "NetworkAddresses"]),
        // Atomic apply of rulesets into a namespace: ownership, read-back, no-op detection.
        .target(name: "NetfilterApply", dependencies: [
            "NetfilterNetlink", "IPTablesNFTEncoding", "RuleModel", "NetworkAddresses", "NetworkNamespaces",
            "IPTablesText", "NFTablesEncoding", "NFTText",
        ]),
        // Namespace labs that prove compiled rules with real packets (netpol cases, Services).
        .target(name: "NetnsLab", dependencies: [
            "NetworkNamespaces", "NetworkAddresses", "CLinuxShims", "ClusterState", "RuleModel",
            "ServiceCompiler", "KubeProxyIPTables", "IPTablesText", "PacketPath", "NetfilterApply",
        ]),
        // The pipeline the CLI drives: files -> cluster state -> rules -> a sink.
        .target(name: "PacketPath", dependencies: [
            "ClusterState", "RuleModel", "ServiceCompiler", "KubeProxyIPTables", "PolicyCompiler", "PolicyIPTables", "IPTablesText",
            "RuleDiff", "NetworkNamespaces", "PacketTrace", "PathGraph", "NetfilterNetlink", "IPTablesNFTEncoding",
            "TextOutput", "CLinuxShims", "ServiceNames", "KubeProxyNFTables", "NFTText", "PolicyNFTables",
            "NetfilterApply", "NFTablesEncoding",
        ]),
        // apply --watch: inotify on the inputs, re-decoding only the files that changed.
        .target(name: "ManifestWatch", dependencies: ["ClusterState", "NetfilterApply", "RuleModel"]),
        .executableTarget(name: "packetpath", dependencies: [
            "ManifestWatch", "PacketPath", "NetnsLab", "NetfilterApply", "NetworkNamespaces", "Lint", "TextOutput", "ServiceNames",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Measurements behind scripts/bench (not a test: timings are reported, never asserted).
        .executableTarget(name: "packetpath-bench", dependencies: [
            "PacketPath", "ClusterState", "IPTablesText", "NetworkNamespaces", "Yams", "NetfilterApply", "TextOutput",
            "NFTText", "ManifestWatch", "NetnsLab",
        ]),

        .testTarget(name: "NetworkAddressesTests", dependencies: ["NetworkAddresses", "TextOutput"]),
        .testTarget(name: "TextOutputTests", dependencies: ["TextOutput"]),
        .testTarget(name: "PairedThreadsTests", dependencies: ["PairedThreads"]),
        .testTarget(name: "RuleModelTests", dependencies: ["RuleModel"]),
        // Yams: the composer the YAML front end replaced, which its tests compare against.
        .testTarget(name: "ClusterStateTests", dependencies: ["ClusterState", "Yams"], exclude: ["Fixtures"]),
        .testTarget(name: "ServiceCompilerTests", dependencies: [
            "ServiceCompiler", "IPTablesText", "PacketPath", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "KubeProxyIPTablesTests", dependencies: ["KubeProxyIPTables", "ServiceCompiler", "IPTablesText"]),
        .testTarget(name: "PolicyCompilerTests", dependencies: ["PolicyCompiler", "ClusterState", "NetworkAddresses", "RuleModel"]),
        .testTarget(name: "PolicyIPTablesTests", dependencies: ["PolicyIPTables", "ServiceCompiler", "PacketPath", "IPTablesText", "ClusterState", "RuleModel", "NetworkAddresses", "TestSupport"]),
        .testTarget(name: "IPTablesTextTests", dependencies: ["IPTablesText", "TestSupport"]),
        .testTarget(name: "ConformanceTests", dependencies: ["PacketPath", "TestSupport"]),
        .testTarget(name: "PolicyNFTablesTests", dependencies: [
            "PolicyNFTables", "PolicyCompiler", "PacketPath", "ClusterState", "RuleModel", "NetworkAddresses", "NetworkNamespaces",
            "TestSupport",
        ]),
                .testTarget(name: "NFTTextTests", dependencies: [
            "NFTText", "RuleModel", "NetworkAddresses", "NetworkNamespaces", "IPTablesText", "TestSupport",
        ]),
        .testTarget(name: "KubeProxyNFTablesTests", dependencies: [
            "KubeProxyNFTables", "NFTText", "PacketPath", "ClusterState", "ServiceCompiler", "RuleModel",
            "NetworkAddresses", "NetworkNamespaces", "PacketTrace", "TestSupport",
        ]),
        .testTarget(name: "NFTablesConformanceTests", dependencies: [
            "PacketPath", "TestSupport", "ClusterState", "NetworkNamespaces", "NetworkAddresses",
        ]),
        .testTarget(name: "NetworkNamespacesTests", dependencies: ["NetworkNamespaces"]),
        .testTarget(name: "NetfilterNetlinkTests", dependencies: ["NetfilterNetlink", "NetworkNamespaces"]),
        .testTarget(name: "IPTablesNFTEncodingTests", dependencies: [
            "IPTablesNFTEncoding", "NetfilterNetlink", "RuleModel", "NetworkAddresses", "IPTablesText",
            "NetworkNamespaces", "TestSupport",
        ]),
        .testTarget(name: "NetfilterApplyTests", dependencies: [
            "NetfilterApply", "NetfilterNetlink", "PacketPath", "ClusterState", "RuleModel", "NetworkAddresses",
            "NetworkNamespaces", "IPTablesText", "TestSupport", "NFTablesEncoding",
        ]),
        .testTarget(name: "NFTablesEncodingTests", dependencies: [
            "NFTablesEncoding", "NetfilterNetlink", "RuleModel", "NetworkAddresses", "NetworkNamespaces", "PacketPath",
            "ClusterState", "TestSupport", "NetfilterApply", "NFTText",
        ]),
        .testTarget(name: "PipelineTests", dependencies: ["PacketPath", "ClusterState", "NetworkNamespaces", "packetpath", "TestSupport"]),
        .testTarget(name: "NetnsLabTests", dependencies: [
            "NetnsLab", "NetworkNamespaces", "ClusterState", "PacketPath", "PacketTrace", "TestSupport", "NetfilterApply",
        ]),
        // What several test targets share: project and reference-data paths, parsed dumps.
        .target(name: "TestSupport", dependencies: ["IPTablesText", "RuleModel", "NetworkAddresses"],
                path: "Tests/TestSupport"),
        .testTarget(name: "PacketTraceTests", dependencies: [
            "PacketTrace", "PacketPath", "ClusterState", "TestSupport", "NetworkNamespaces", "RuleModel", "NetworkAddresses", "IPTablesText",
        ]),
        .testTarget(name: "PathGraphTests", dependencies: ["PathGraph", "PacketPath", "TestSupport"]),
        .testTarget(name: "LintTests", dependencies: ["Lint", "ClusterState"]),
        .testTarget(name: "ServiceNamesTests", dependencies: [
            "ServiceNames", "ClusterState", "PacketPath", "PacketTrace", "PathGraph", "NetworkNamespaces", "RuleModel", "TestSupport",
        ]),
        .testTarget(name: "RuleDiffTests", dependencies: [
            "RuleDiff", "PacketPath", "NetworkNamespaces", "NetfilterApply", "TestSupport", "ClusterState",
            "IPTablesText", "RuleModel", "NetworkAddresses",
        ]),
        .testTarget(name: "ManifestWatchTests", dependencies: [
            "ManifestWatch", "NetfilterApply", "ClusterState", "PacketPath", "RuleModel", "NetworkNamespaces", "TestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (libFuzzer entry points, no main): only when scripts/fuzz-smoke asks, in its own
// scratch path, so the normal build needs no sanitizer. Adding one: a line here, a directory
// Tests/Fuzz/<name>/, a seed corpus Tests/Fuzz/corpus/<name>/ and a line in the script.
if Context.environment["PACKETPATH_FUZZ"] != nil {
    for (name, dependencies) in [
        ("fuzz-manifests", ["ClusterState"]),
        ("fuzz-iptables-save", ["IPTablesText", "RuleModel"]),
        ("fuzz-nft", ["NFTText", "RuleModel"]),
    ] as [(String, [Target.Dependency])] {
        package.targets.append(.executableTarget(name: name, dependencies: dependencies + ["FuzzDriver"], path: "Tests/Fuzz/\(name)"))
    }
    package.targets.append(.target(name: "FuzzDriver", path: "Tests/Fuzz/FuzzDriver"))
}
