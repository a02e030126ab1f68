import Foundation

/// Which reference files the project carries under `golden/` (copied from `../shared` by
/// `scripts/update-golden`): every file a test reads, nothing else.
public enum ReferenceCopies {
    /// The files of each kube-proxy case (the nftables ones are read by the nftables tests).
    public static let kubeProxyCaseFiles = [
        "input.yaml", "kube-proxy.iptables-save", "kube-proxy.nft", "live-iptables-save.txt", "live-nft-list.txt",
    ]

    /// The files of each NetworkPolicy case.
    public static let netpolCaseFiles = ["cluster.yaml", "expected.txt"]

    /// Files of the NetworkPolicy directory itself.
    public static let netpolIndexFiles = ["INDEX.tsv"]

    /// Every referenced file, relative to the reference root (`../shared` or `golden/`), for the
    /// cases present under `root`.
    public static func files(under root: String) -> [String] {
        let manager = FileManager.default
        func caseNames(_ directory: String) -> [String] {
            ((try? manager.contentsOfDirectory(atPath: root + "/" + directory)) ?? [])
                .filter { name in
                    var isDirectory: ObjCBool = false
                    return !name.hasPrefix(".") && manager.fileExists(atPath: root + "/" + directory + "/" + name, isDirectory: &isDirectory)
                        && isDirectory.boolValue
                }
                .sorted()
        }
        let kubeProxy = caseNames("kube-proxy-v1.30/cases").flatMap { name in
            kubeProxyCaseFiles.map { "kube-proxy-v1.30/cases/\(name)/\($0)" }
        }
        let netpol = caseNames("netpol-cases").flatMap { name in netpolCaseFiles.map { "netpol-cases/\(name)/\($0)" } }
        return kubeProxy + netpolIndexFiles.map { "netpol-cases/\($0)" } + netpol
    }
}
