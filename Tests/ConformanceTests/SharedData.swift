/// Paths into ../shared, the reference data that sits beside the project.
enum SharedData {
    /// The package root, found from this file's location (Tests/ConformanceTests/...).
    static let projectRoot: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/")
    }()

    static let kubeProxyCases = projectRoot + "/../shared/kube-proxy-v1.30/cases"
}
