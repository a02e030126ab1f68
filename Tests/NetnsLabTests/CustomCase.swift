@testable import NetnsLab

/// A small case in the shared format that none of the shared cases looks like.
enum CustomCase {
    static let rules = RestoreTextInstaller("""
        *filter
        -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        -A FORWARD -d 10.244.7.11/32 -p tcp -m tcp --dport 8080 -j REJECT --reject-with tcp-reset
        -A FORWARD -d 10.244.7.11/32 -p sctp -j DROP
        COMMIT

        """)

    static let expected = """
        # case: custom
        # title: custom topology
        # description: names, ports and addresses unlike the shared cases
        #   continuation line
        # features: custom
        # label-changes: none
        # probes: 8080/TCP 9/SCTP
        # externals: ip:198.51.100.7(443/TCP)
        # service: app/web-svc clusterIP 10.96.7.10 ports 80/TCP->http
        # service: app/ext clusterIP 10.96.7.20 ports 53/UDP->5353
        #
        # Verdict = is a NEW connection permitted?

        ## pod-to-pod 8080/TCP
        app/cli app/web 8080/TCP allow
        app/web app/cli 8080/TCP deny
        app/cli app/ghost 8080/TCP allow
        ## pod-to-pod 9/SCTP
        app/cli app/web 9/SCTP allow
        app/web app/cli 9/SCTP deny
        ## pod-to-external 443/TCP
        app/cli ip:198.51.100.7 443/TCP allow
        ip:198.51.100.7 app/web 8080/TCP allow
        ## via Service app/web-svc ClusterIP 10.96.7.10 port 80/TCP
        app/cli svc:app/web-svc 80/TCP allow
        app/cli svc:app/ext 53/UDP allow
        app/cli svc:app/nosuch 80/TCP allow

        """

    static let cluster = """
        # custom case
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: app
          labels:
            kubernetes.io/metadata.name: app
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          namespace: app
          labels:
            role: web
        spec:
          containers:
          - name: server
            ports:
            - name: http
              containerPort: 8080
              protocol: TCP
        status:
          phase: Running
          podIP: 10.244.7.10
          podIPs:
          - ip: 10.244.7.10
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: cli
          namespace: app
        spec:
          containers:
          - name: client
        status:
          phase: Running
          podIP: 10.244.7.11
          podIPs:
          - ip: 10.244.7.11
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web-svc
          namespace: app
        spec:
          type: ClusterIP
          clusterIP: 10.96.7.10
          clusterIPs:
          - 10.96.7.10
          ports:
          - name: web
            port: 80
            protocol: TCP
            targetPort: http
          selector:
            role: web
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-svc-ep1
          namespace: app
          labels:
            kubernetes.io/service-name: web-svc
        addressType: IPv4
        endpoints:
        - addresses:
          - 10.244.7.10
          conditions:
            ready: true
          targetRef:
            kind: Pod
            namespace: app
            name: web
        ports:
        - name: web
          port: 8080
          protocol: TCP
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: ext
          namespace: app
        spec:
          type: ClusterIP
          clusterIP: 10.96.7.20
          clusterIPs:
          - 10.96.7.20
          ports:
          - name: dns
            port: 53
            protocol: UDP
            targetPort: 5353
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: ext-ep1
          namespace: app
          labels:
            kubernetes.io/service-name: ext
        addressType: IPv4
        endpoints:
        - addresses:
          - 172.16.5.5
          conditions:
            ready: true
        ports:
        - name: dns
          port: 5353
          protocol: UDP

        """
}
