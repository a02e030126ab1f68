/// Hand-written dumps of nodes that run other networking software beside kube-proxy
/// (`Tests/NodeDumps`), and the reference case whose kube-proxy chains they hold.
public enum NodeDumps {
    public static let directory = ProjectPaths.root + "/Tests/NodeDumps"

    /// kube-proxy (clusterip-2-endpoints) with Docker, Calico and flannel on one node.
    public static let canalDocker = directory + "/canal-docker-node.iptables-save"
    public static let canalDockerCase = "clusterip-2-endpoints"
}
