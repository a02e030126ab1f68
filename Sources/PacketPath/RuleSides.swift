import ClusterState
import Foundation
import IPTablesText
import NetworkAddresses
import NFTText
import RuleDiff
import RuleModel

/// One side of a comparison or the input of a review command, as the user named it: files and
/// directories of manifests, an iptables-save file, or a live network namespace.
public enum SideInput: Sendable, Equatable, CustomStringConvertible {
    case paths([String])
    case namespace(String)

    /// `netns:NAME` names a namespace; anything else is a path (`-` is standard input).
    public init(_ words: [String]) throws {
        if let first = words.first, first.hasPrefix("netns:") {
            let name = String(first.dropFirst("netns:".count))
            guard words.count == 1, !name.isEmpty else {
                throw SideError("netns:NAME must be the only input of its side")
            }
            self = .namespace(name)
        } else {
            guard !words.isEmpty else { throw SideError("no input given") }
            self = .paths(words)
        }
    }

    public var description: String {
        switch self {
        case .namespace(let name): return "netns:\(name)"
        case .paths(let paths): return paths.joined(separator: " ")
        }
    }
}

public struct SideError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A side, read: either the cluster state of its manifests, or rules.
public struct LoadedSide: Sendable {
    public enum Content: Sendable {
        case manifests(LoadedCluster)
        case rules([Ruleset])
    }

    public var input: SideInput
    public var content: Content

    public init(input: SideInput, content: Content) {
        self.input = input
        self.content = content
    }

    public var cluster: LoadedCluster? {
        if case .manifests(let cluster) = content { return cluster }
        return nil
    }

    /// What the side is, for report headers: `manifests a.yaml b.yaml` or `rules live.txt`.
    public var label: String {
        switch (content, input) {
        case (_, .namespace(let name)): return "live rules of netns:\(name)"
        case (.manifests, .paths(let paths)): return "manifests \(paths.joined(separator: " "))"
        case (.rules, .paths(let paths)): return "rules \(paths.joined(separator: " "))"
        }
    }

    /// The rules of this side: parsed as they are, or compiled from the manifests (Services
    /// and NetworkPolicies) for `families` (their own default families when nil).
    public func rulesets(families: [IPFamily]? = nil, backend: ProxyMode = .iptables) -> [Ruleset] {
        switch content {
        case .rules(let rulesets):
            return rulesets
        case .manifests(let cluster):
            let families = families ?? Pipeline.defaultFamilies(for: cluster.state)
            return backend == .nftables ? Pipeline.compileNFTables(cluster.state, families: families)
                : Pipeline.compile(cluster.state, families: families)
        }
    }

    /// The proxy mode of the rules this side holds; nil for manifests.
    public var rulesBackend: ProxyMode? {
        guard case .rules(let rulesets) = content, let backend = RulesetBackend.of(rulesets) else { return nil }
        return backend == .nftables ? .nftables : .iptables
    }
}

/// Reads sides. Each file is sniffed: text whose first significant line opens a table
/// (`*nat`) is iptables-save text, one that starts an nft command or listing (`add table …`,
/// `table ip kube-proxy {`) is nft text, anything else goes to the manifest loader. Directories
/// contribute their `.yaml`, `.yml` and `.json` files, recursively, in name order.
public struct SideLoader: Sendable {
    public var liveReader: (any LiveRulesReader)?
    /// Input size limit, the node to compile for, and what to leave to the caller.
    public var options: LoadOptions

    public init(liveReader: (any LiveRulesReader)?, options: LoadOptions = LoadOptions()) {
        self.liveReader = liveReader
        self.options = options
    }

    public func load(_ input: SideInput) throws -> LoadedSide {
        switch input {
        case .namespace(let name):
            guard let liveReader else {
                throw SideError("netns:\(name): reading live rules needs a namespace reader, and none is available")
            }
            return LoadedSide(input: input, content: .rules(try liveReader.rulesets(namespace: name)))
        case .paths(let paths):
            var manifests: [ManifestSource] = []
            var rules: [(String, [Ruleset])] = []
            for path in try SideLoader.expand(paths) {
                let source = try read(path)
                if IPTablesSaveParser.looksLikeRules(source.text) {
                    rules.append((source.name, try IPTablesSaveParser(sourceName: source.name).parse(source.text)))
                } else if NFTParser.looksLikeRules(source.text) {
                    rules.append((source.name, try NFTParser(sourceName: source.name).parse(source.text)))
                } else {
                    manifests.append(source)
                }
            }
            if !rules.isEmpty {
                if let manifest = manifests.first {
                    throw SideError("\(manifest.name) holds manifests but \(rules[0].0) holds rules: a side is one or the other")
                }
                var byFamily: [IPFamily: String] = [:]
                for (name, rulesets) in rules {
                    for ruleset in rulesets {
                        if let other = byFamily.updateValue(name, forKey: ruleset.family) {
                            throw SideError("\(name) and \(other) both hold \(ruleset.family.rawValue) rules")
                        }
                    }
                }
                return LoadedSide(input: input, content: .rules(rules.flatMap(\.1).sorted { $0.family < $1.family }))
            }
            return LoadedSide(input: input, content: .manifests(try ManifestLoader.load(sources: manifests, options: options)))
        }
    }

    /// Files and directories as the commands take them: a directory stands for its `.yaml`,
    /// `.yml` and `.json` files (recursively), sorted by name.
    public static func expand(_ paths: [String]) throws -> [String] {
        var result: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard path == "-" || FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw SideError("\(path): no such file or directory")
            }
            guard isDirectory.boolValue else {
                result.append(path)
                continue
            }
            guard let walker = FileManager.default.enumerator(atPath: path) else { throw SideError("\(path): cannot list") }
            var found: [String] = []
            while let entry = walker.nextObject() as? String {
                let lower = entry.lowercased()
                if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json") {
                    found.append((path.hasSuffix("/") ? path : path + "/") + entry)
                }
            }
            guard !found.isEmpty else { throw SideError("\(path): no .yaml, .yml or .json files") }
            result += found.sorted()
        }
        return result
    }

    /// Reads one file as the manifest loader does (size limit, encodings, non-text bytes).
    func read(_ path: String) throws -> ManifestSource {
        try ManifestLoader.readSource(path, maxSize: options.maxInputSize)
    }
}
