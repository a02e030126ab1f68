/// The benchmark's cluster as `kubectl get … -o json` prints a collection: one `List` object,
/// indented by 4 spaces, with the same objects and values as `SyntheticCluster.yaml`.
extension SyntheticCluster {
    static func json(services: Int) -> String {
        var text = """
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {
                        "apiVersion": "packetpath.io/v1alpha1",
                        "kind": "NodeConfig",
                        "hostname": "node0",
                        "nodeIP": "192.168.0.2",
                        "clusterCIDR": "10.0.0.0/8"
                    }
            """
        text.reserveCapacity(services * 2600)
        for index in 0..<services {
            let namespace = "ns\(index % 100)"
            let name = "svc\(index)"
            text += """
                ,
                        {
                            "apiVersion": "v1",
                            "kind": "Service",
                            "metadata": {
                                "name": "\(name)",
                                "namespace": "\(namespace)"
                            },
                            "spec": {
                                "type": "ClusterIP",
                                "clusterIP": "\(clusterIP(index))",
                                "clusterIPs": [
                                    "\(clusterIP(index))"
                                ],
                                "ports": [
                                    {
                                        "name": "http",
                                        "port": 80,
                                        "protocol": "TCP",
                                        "targetPort": 8080
                                    }
                                ],
                                "selector": {
                                    "app": "\(name)"
                                }
                            }
                        },
                        {
                            "apiVersion": "discovery.k8s.io/v1",
                            "kind": "EndpointSlice",
                            "metadata": {
                                "name": "\(name)-abcde",
                                "namespace": "\(namespace)",
                                "labels": {
                                    "kubernetes.io/service-name": "\(name)"
                                }
                            },
                            "addressType": "IPv4",
                            "ports": [
                                {
                                    "name": "http",
                                    "port": 8080,
                                    "protocol": "TCP"
                                }
                            ],
                            "endpoints": [
                """
            for endpoint in 0..<endpointsPerService {
                text += """
                    
                                    {
                                        "addresses": [
                                            "\(endpointIP(index, endpoint))"
                                        ],
                                        "conditions": {
                                            "ready": true
                                        },
                                        "nodeName": "node\(endpoint)"
                                    }\(endpoint + 1 < endpointsPerService ? "," : "")
                    """
            }
            text += "\n                ]\n            }"
        }
        text += "\n    ]\n}\n"
        return text
    }
}
