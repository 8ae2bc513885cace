using Podwire.Model.Validation;

namespace Podwire.Model.Tests;

public class ValidationValidManifestTests
{
    // One of each kind, written the way people write them (defaults left out), plus the tricky
    // but valid corners: wildcard hosts, headless without ports, dual-stack node, endPort ranges.
    private const string Manifest = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: prod, labels: {team: shop}}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: node-1, labels: {topology.kubernetes.io/zone: a}}
        spec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.1.0/24, "fd00:1::/64"]}
        status:
          addresses: [{type: InternalIP, address: 172.18.0.2}, {type: Hostname, address: node-1}]
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: node-2}
        spec: {podCIDR: 10.244.2.0/24}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-0
          namespace: prod
          labels: {app: web, app.kubernetes.io/part-of: shop}
          annotations: {podwire.io/note: "free text, any characters: ok"}
        spec:
          nodeName: node-1
          hostname: web-0
          subdomain: web
          dnsPolicy: ClusterFirst
          dnsConfig: {searches: [corp.example.com.], options: [{name: ndots, value: "2"}]}
          initContainers:
          - {name: init, image: busybox, restartPolicy: Always, ports: [{name: metrics, containerPort: 9090}]}
          containers:
          - name: app
            image: nginx
            ports:
            - {name: http, containerPort: 8080}
            - {name: dns, containerPort: 53, protocol: UDP}
        status:
          podIP: 10.244.1.5
          podIPs: [{ip: 10.244.1.5}, {ip: "fd00:1::5"}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: prod}
        spec:
          type: LoadBalancer
          clusterIP: 10.96.12.34
          externalTrafficPolicy: Local
          healthCheckNodePort: 32000
          sessionAffinity: ClientIP
          sessionAffinityConfig: {clientIP: {timeoutSeconds: 10800}}
          selector: {app: web}
          ports:
          - {name: http, port: 80, targetPort: http, nodePort: 30080}
          - {name: dns, port: 53, protocol: UDP, targetPort: 53}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: prod}
        spec: {clusterIP: None, selector: {app: db}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ext, namespace: prod}
        spec: {type: ExternalName, externalName: www.example.com.}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: db-x1, namespace: prod, labels: {kubernetes.io/service-name: db}}
        addressType: IPv4
        endpoints:
        - {addresses: [10.244.1.7], hostname: db-0, nodeName: node-1, conditions: {ready: true}}
        ports: [{name: pg, port: 5432, protocol: TCP}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: podwire, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
        spec: {controller: podwire.io/ingress}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: shop, namespace: prod}
        spec:
          ingressClassName: podwire
          tls: [{hosts: [shop.example.com, "*.shop.example.com"], secretName: shop-tls}]
          defaultBackend: {service: {name: web, port: {name: http}}}
          rules:
          - host: "*.shop.example.com"
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
              - {path: /api/v1, pathType: Exact, backend: {service: {name: web, port: {name: http}}}}
              - {pathType: ImplementationSpecific, backend: {resource: {apiGroup: storage.example.com, kind: Bucket, name: assets}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web, namespace: prod}
        spec:
          podSelector: {matchLabels: {app: web}}
          policyTypes: [Ingress, Egress]
          ingress:
          - from:
            - {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}, podSelector: {matchExpressions: [{key: app, operator: In, values: [lb]}]}}
            - ipBlock: {cidr: 192.0.2.0/24, except: [192.0.2.128/25]}
            ports: [{port: http}, {port: 32000, endPort: 32768, protocol: UDP}]
          egress:
          - to: [{podSelector: {matchExpressions: [{key: tier, operator: Exists}]}}]
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: web, namespace: prod}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: shop-tls, namespace: prod}
        type: kubernetes.io/tls
        data: {tls.crt: Y2VydA==, tls.key: a2V5}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: prod}
        spec:
          replicas: 0
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web, version: v2}}
            spec: {containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: prod}
        spec:
          serviceName: db
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec: {containers: [{name: pg, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: prod}
        spec:
          selector: {matchLabels: {app: agent}}
          template:
            metadata: {labels: {app: agent}}
            spec: {hostNetwork: true, dnsPolicy: ClusterFirstWithHostNet, containers: [{name: agent, image: agent}]}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web-1, namespace: prod}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: app, image: nginx}]}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate, namespace: prod}
        spec:
          template:
            spec: {restartPolicy: Never, containers: [{name: migrate, image: tool}]}
        """;

    [Fact]
    public void ValidManifestOfEveryKindHasNoProblems()
    {
        var path = Path.Combine(Path.GetTempPath(), $"podwire-valid-{Environment.ProcessId}.yaml");
        File.WriteAllText(path, Manifest);
        try
        {
            var loaded = Podwire.Sources.ManifestLoader.Load([path]);
            Assert.Equal(18, loaded.Objects.Count); // 18 documents, all of typed kinds
            Assert.Empty(ValidationCorpusTests.Run([path]));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
