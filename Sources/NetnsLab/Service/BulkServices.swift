import ClusterState
import NetworkAddresses

extension StandardServiceLab {
    /// `cluster` plus `count` ClusterIP Services of 10 endpoints each in namespace `bulk`
    /// (ClusterIPs in 10.97/16, endpoints from 10.98.0.0 on, addresses no lab host serves):
    /// a large state beside the lab's own Services. At most 65,536.
    public static func withBulkServices(_ cluster: ClusterState, count: Int) -> ClusterState {
        var state = cluster
        for index in 0..<min(count, 65_536) {
            let name = "bulk\(index)"
            let clusterIP = IPAddress("10.97.\(index / 256).\(index % 256)")!
            state.services.append(Service(metadata: ObjectMeta(name: name, namespace: "bulk"), clusterIPs: [clusterIP],
                                          ports: [ServicePort(name: "http", port: 80, targetPort: .int(8080))],
                                          selector: ["app": name]))
            let endpoints = (0..<10).map { endpoint -> Endpoint in
                let n = index * 10 + endpoint
                let text = "10.\(98 + n / 65_536).\(n / 256 % 256).\(n % 256)"
                return Endpoint(addressText: text, address: IPAddress(text)!, conditions: EndpointConditions(ready: true),
                                nodeName: "elsewhere")
            }
            state.endpointSlices.append(EndpointSlice(metadata: ObjectMeta(name: "\(name)-x", namespace: "bulk"),
                                                      serviceName: name, addressType: .ipv4, endpoints: endpoints,
                                                      ports: [EndpointPort(name: "http", protocol: .tcp, port: 8080)]))
        }
        return state
    }
}
