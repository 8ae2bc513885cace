#!/usr/bin/env python3
"""Writes the upstream NetworkPolicy e2e cases (SPECS 1.3) as golden test data.

Each case directory holds policy.yaml (real NetworkPolicy manifests), expected.txt (the truth
table per probed port/protocol, e2e notation: '.' connected, 'X' blocked, rows = from,
columns = to) and, when the case relabels namespaces or pods, its own cluster.yaml; otherwise
the shared cluster.yaml applies. The expectations are written here from the SPECS rows, by
hand, independently of the engine. Self pairs are '.' (pod -> own IP is always allowed).
Run: python3 generate.py   (needs PyYAML)
"""
import os, shutil, yaml

HERE = os.path.dirname(os.path.abspath(__file__))
NSS, PODS = ["x", "y", "z"], ["a", "b", "c"]
ALL = [(n, p) for n in NSS for p in PODS]
IP = {(n, p): f"10.244.{NSS.index(n) + 1}.{10 + PODS.index(p)}" for n, p in ALL}
NAME = "kubernetes.io/metadata.name"

def cluster(ns_extra=None, pod_extra=None):
    ns_extra, pod_extra = ns_extra or {}, pod_extra or {}
    docs = []
    for n in NSS:
        docs.append({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": n, "labels": {"ns": n, **ns_extra.get(n, {})}}})
    for n, p in ALL:
        containers = []
        for port in (80, 81):
            for proto in ("TCP", "UDP", "SCTP"):
                lp = proto.lower()
                containers.append({"name": f"cont-{port}-{lp}", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                                   "ports": [{"name": f"serve-{port}-{lp}", "containerPort": port, "protocol": proto}]})
        docs.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": p, "namespace": n, "labels": {"pod": p, **pod_extra.get((n, p), {})}},
                     "spec": {"containers": containers},
                     "status": {"phase": "Running", "podIP": IP[(n, p)], "podIPs": [{"ip": IP[(n, p)]}]}})
    return docs

def np(name, spec, ns="x"):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}

def sel(**labels): return {"matchLabels": dict(labels)}
def expr(key, op, *values): return {"matchExpressions": [{"key": key, "operator": op, "values": list(values)}]}
ANY = {}
DENY_ING = np("deny-ingress", {"podSelector": ANY, "policyTypes": ["Ingress"]})
DENY_ALL = np("deny-all", {"podSelector": ANY, "policyTypes": ["Ingress", "Egress"]})

def name_of(e): return f"{e[0]}/{e[1]}"

CASES = []
def case(cid, policies, probes, allowed, ns_extra=None, pod_extra=None):
    CASES.append((cid, policies, probes, allowed, ns_extra, pod_extra))

T80, T81 = (80, "TCP"), (81, "TCP")
U80, U81, S80, S81 = (80, "UDP"), (81, "UDP"), (80, "SCTP"), (81, "SCTP")
XA = ("x", "a")

case("01-default-deny-ingress", [DENY_ING], [T80, T81], lambda s, d, p: d[0] != "x")
case("02-default-deny-all", [DENY_ALL], [T80, T81], lambda s, d, p: d[0] != "x" and s[0] != "x")
case("03-allow-from-pods-within-server-ns", [np("allow-b", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"podSelector": sel(pod="b")}]}]})],
     [T80, T81], lambda s, d, p: d != XA or s == ("x", "b"))
case("04-allow-ingress-for-a-target", [DENY_ING, np("allow-a", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"podSelector": ANY, "namespaceSelector": ANY}]}]})],
     [T80], lambda s, d, p: d[0] != "x" or d == XA)
case("05-allow-from-all-namespaces", [np("allow-all-ns", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": ANY}]}]})],
     [T80], lambda s, d, p: True)
case("06-only-from-different-ns", [np("allow-y", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": sel(ns="y")}]}]})],
     [T80], lambda s, d, p: d != XA or s[0] == "y")
case("07-podselector-matchexpressions", [np("allow-b", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"podSelector": expr("pod", "In", "b")}]}]})],
     [T80], lambda s, d, p: d != XA or s == ("x", "b"))
case("08-namespaceselector-matchexpressions", [np("allow-y", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": expr("ns", "In", "y")}]}]})],
     [T80], lambda s, d, p: d != XA or s[0] == "y")
case("09-podselector-or-namespaceselector", [np("or", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": expr("ns", "NotIn", "x")}, {"podSelector": sel(pod="b")}]}]})],
     [T80], lambda s, d, p: d != XA or s[0] != "x" or s == ("x", "b"))
case("10-podselector-and-namespaceselector", [np("and", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": expr("ns", "NotIn", "x"), "podSelector": sel(pod="b")}]}]})],
     [T80], lambda s, d, p: d != XA or (s[0] != "x" and s[1] == "b"))
case("11-multiple-pod-and-ns-selectors", [np("multi", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": expr("ns", "NotIn", "x"), "podSelector": expr("pod", "In", "b", "c")}]}]})],
     [T80], lambda s, d, p: d != XA or (s[0] != "x" and s[1] in ("b", "c")))
case("12-any-podselectors", [np("b-or-c", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"podSelector": sel(pod="b")}, {"podSelector": sel(pod="c")}]}]})],
     [T80], lambda s, d, p: d != XA or s in (("x", "b"), ("x", "c")))
P13 = np("y-a", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": sel(ns="y"), "podSelector": sel(pod="a")}]}]})
case("13-only-from-pod-in-different-ns", [P13], [T80, T81], lambda s, d, p: d != XA or s == ("y", "a"))
def port_pol(name, port, proto="TCP"):
    return np(name, {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": sel(ns="y")}], "ports": [{"protocol": proto, "port": port}]}]})
case("14-ports", [port_pol("y-81", 81)], [T80, T81], lambda s, d, p: d != XA or (s[0] == "y" and p == T81))
case("15a-multiple-stacked-policies-before", [port_pol("y-81", 81)], [T80, T81], lambda s, d, p: d != XA or (s[0] == "y" and p == T81))
case("15b-multiple-stacked-policies-after", [port_pol("y-81", 81), port_pol("y-80", 80)], [T80, T81], lambda s, d, p: d != XA or s[0] == "y")
ALLOW_ALL_ING = np("allow-all", {"podSelector": ANY, "ingress": [{}]})
case("16-allow-all", [ALLOW_ALL_ING], [T80, T81], lambda s, d, p: True)
case("17-ingress-on-one-named-port", [np("named-81", {"podSelector": ANY, "ingress": [{"ports": [{"port": "serve-81-tcp"}]}]})],
     [T80, T81, U81], lambda s, d, p: d[0] != "x" or p == T81)
case("18-ingress-from-ns-on-named-port", [np("named-80", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": sel(ns="y")}], "ports": [{"port": "serve-80-tcp", "protocol": "TCP"}]}]})],
     [T80, T81], lambda s, d, p: d != XA or (s[0] == "y" and p == T80))
case("19-egress-on-one-named-port", [np("egress-named-80", {"podSelector": ANY, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": "serve-80-tcp"}]}]})],
     [T80, T81], lambda s, d, p: s[0] != "x" or p == T80)
case("20a-updated-policy-before", [ALLOW_ALL_ING], [T81], lambda s, d, p: True)
case("20b-updated-policy-after", [np("allow-all", {"podSelector": ANY, "policyTypes": ["Ingress"], "ingress": []})], [T81], lambda s, d, p: d[0] != "x")
P21 = np("from-updated-ns", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": sel(ns2="updated")}]}]})
case("21a-ingress-from-updated-namespace-before", [P21], [T80], lambda s, d, p: d != XA)
case("21b-ingress-from-updated-namespace-after", [P21], [T80], lambda s, d, p: d != XA or s[0] == "y", ns_extra={"y": {"ns2": "updated"}})
P22 = np("from-updated-pod", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"podSelector": sel(pod="b", pod2="updated")}]}]})
case("22a-ingress-from-updated-pod-before", [P22], [T80], lambda s, d, p: d != XA)
case("22b-ingress-from-updated-pod-after", [P22], [T80], lambda s, d, p: d != XA or s == ("x", "b"), pod_extra={("x", "b"): {"pod2": "updated"}})
case("23-deny-ingress-from-other-namespaces", [np("same-ns", {"podSelector": ANY, "ingress": [{"from": [{"podSelector": ANY}]}]})],
     [T80], lambda s, d, p: d[0] != "x" or s[0] == "x")
P24 = np("isolate-target", {"podSelector": sel(target="isolated"), "policyTypes": ["Ingress"]})
case("24a-deny-ingress-to-updated-pod-before", [P24], [T80], lambda s, d, p: True)
case("24b-deny-ingress-to-updated-pod-after", [P24], [T80], lambda s, d, p: d != XA, pod_extra={XA: {"target": "isolated"}})
case("25-deny-egress-by-podselector", [np("deny-egress-a", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"]})], [T80], lambda s, d, p: s != XA)
case("26-deny-egress-all-pods-in-ns", [np("deny-egress", {"podSelector": ANY, "policyTypes": ["Egress"]})], [T80], lambda s, d, p: s[0] != "x")
case("27-ingress-and-egress-together", [np("both", {"podSelector": sel(pod="a"), "policyTypes": ["Ingress", "Egress"],
     "ingress": [{"from": [{"podSelector": sel(pod="b")}]}], "egress": [{"ports": [{"port": 80}]}]})],
     [T80, T81], lambda s, d, p: (d != XA or s == ("x", "b")) and (s != XA or p == T80))
case("28-client-egress-deny-beats-server-allow", [
        np("egress-to-y-a", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": sel(ns="y"), "podSelector": sel(pod="a")}]}]}),
        np("allow-x-a-to-a", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": sel(ns="x"), "podSelector": sel(pod="a")}]}]}, ns="y"),
        np("allow-x-a-to-b", {"podSelector": sel(pod="b"), "ingress": [{"from": [{"namespaceSelector": sel(ns="x"), "podSelector": sel(pod="a")}]}]}, ns="y")],
     [T80], lambda s, d, p: (s != XA or d == ("y", "a")) and (d not in (("y", "a"), ("y", "b")) or s == XA))
case("29-egress-to-other-ns-pod-and-ns-selector", [np("egress-y-a", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": sel(ns="y"), "podSelector": sel(pod="a")}]}]})],
     [T80], lambda s, d, p: s != XA or d == ("y", "a"))
case("30-ingress-any-port-on-protocol", [np("tcp-only", {"podSelector": sel(pod="a"), "ingress": [{"ports": [{"protocol": "TCP"}]}]})],
     [T80, U80, S81], lambda s, d, p: d != XA or p[1] == "TCP")
P31 = np("ingress-80", {"podSelector": ANY, "ingress": [{"ports": [{"port": 80}]}]})
case("31a-multiple-ingress-allow-all-wins-before", [P31], [T80, T81], lambda s, d, p: d[0] != "x" or p == T80)
case("31b-multiple-ingress-allow-all-wins-after", [P31, ALLOW_ALL_ING], [T80, T81], lambda s, d, p: True)
P32 = np("egress-80", {"podSelector": ANY, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 80}]}]})
case("32a-multiple-egress-allow-all-wins-before", [P32], [T80, T81], lambda s, d, p: s[0] != "x" or p == T80)
case("32b-multiple-egress-allow-all-wins-after", [P32, np("allow-all-egress", {"podSelector": ANY, "policyTypes": ["Egress"], "egress": [{}]})],
     [T80, T81], lambda s, d, p: True)
case("33a-stop-enforcing-after-delete-before", [DENY_ALL], [T80], lambda s, d, p: d[0] != "x" and s[0] != "x")
case("33b-stop-enforcing-after-delete-after", [], [T80], lambda s, d, p: True)
case("34-egress-to-server-in-cidr", [np("egress-cidr", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": IP[("y", "b")] + "/32"}}]}]})],
     [T80], lambda s, d, p: s != XA or d == ("y", "b"))
P35 = np("egress-except", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/4", "except": [IP[("x", "b")] + "/32"]}}]}]})
case("35-except-clause-egress", [P35], [T80], lambda s, d, p: s != XA or d != ("x", "b"))
case("36a-ip-in-cidr-and-except-before", [P35], [T80], lambda s, d, p: s != XA or d != ("x", "b"))
case("36b-ip-in-cidr-and-except-after", [np("egress-except", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": IP[("x", "b")] + "/32"}}]}]})],
     [T80], lambda s, d, p: s != XA or d == ("x", "b"))
P37 = np("allow-egress-a", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"], "egress": [{}]})
case("37a-ingress-egress-independent-before", [P37], [T80], lambda s, d, p: True)
case("37b-ingress-egress-independent-after", [P37, np("deny-ingress-a", {"podSelector": sel(pod="a"), "policyTypes": ["Ingress"]})], [T80], lambda s, d, p: d != XA)
case("38-sctp-not-treated-as-tcp", [DENY_ING, np("sctp-81", {"podSelector": sel(pod="a"), "ingress": [{"ports": [{"protocol": "SCTP", "port": 81}]}]})],
     [T81, S81], lambda s, d, p: d[0] != "x" or (d == XA and p == S81))
case("39-sctp-policy-still-isolates", [np("sctp-80", {"podSelector": sel(pod="a"), "ingress": [{"ports": [{"protocol": "SCTP", "port": 80}]}]})],
     [T81, S80], lambda s, d, p: d != XA or p == S80)
case("40-udp-policy-blocks-tcp", [np("udp-81", {"podSelector": sel(pod="a"), "ingress": [{"ports": [{"protocol": "UDP", "port": 81}]}]})],
     [T81, U81], lambda s, d, p: d != XA or p == U81)
case("41-default-ns-label-matchlabels", [np("allow-y", {"podSelector": sel(pod="a"), "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {NAME: "y"}}}]}]})],
     [T80], lambda s, d, p: d != XA or s[0] == "y")
case("42-default-ns-label-matchexpressions-egress", [np("not-y", {"podSelector": sel(pod="a"), "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": expr(NAME, "NotIn", "y")}]}]})],
     [T80], lambda s, d, p: s != XA or d[0] != "y")
for proto, tag in (("UDP", "u"), ("SCTP", "s")):
    P80, P81 = (80, proto), (81, proto)
    case(f"{tag}1-default-deny-ingress-{proto.lower()}", [DENY_ING], [P80, P81], lambda s, d, p: d[0] != "x")
    case(f"{tag}2-ports-{proto.lower()}", [port_pol("y-81", 81, proto)], [P80, P81],
         (lambda P81: lambda s, d, p: d != XA or (s[0] == "y" and p == P81))(P81))
    case(f"{tag}3-only-from-pod-in-different-ns-{proto.lower()}", [P13], [P80], lambda s, d, p: d != XA or s == ("y", "a"))

# SPECS 1.4 precedence table, one directory per row, on the same model (ingress at namespace x).
def anp(name, prio, rules):
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": name},
            "spec": {"priority": prio, "subject": {"namespaces": sel(ns="x")}, "ingress": rules}}
def banp(rules):
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"},
            "spec": {"subject": {"namespaces": sel(ns="x")}, "ingress": rules}}
def arule(name, action, ns):
    return {"name": name, "action": action, "from": [{"namespaces": sel(ns=ns)}]}
NP_FROM = lambda ns: np("np-from-" + ns, {"podSelector": ANY, "ingress": [{"from": [{"namespaceSelector": sel(ns=ns)}]}]})
ANP_CASES = [
    ("1-lower-priority-number-wins", [anp("deny-10", 10, [arule("deny-y", "Deny", "y")]), anp("allow-5", 5, [arule("allow-y", "Allow", "y")]), DENY_ING],
     lambda s, d, p: d[0] != "x" or s[0] == "y"),
    ("2-pass-skips-anp-deny-banp-denies", [anp("pass-5", 5, [arule("pass-y", "Pass", "y")]), anp("deny-10", 10, [arule("deny-y", "Deny", "y")]), banp([arule("deny-y", "Deny", "y")])],
     lambda s, d, p: not (d[0] == "x" and s[0] == "y")),
    ("3-pass-then-np-allows", [anp("pass-5", 5, [arule("pass-y", "Pass", "y")]), NP_FROM("y"), banp([arule("deny-y", "Deny", "y")])],
     lambda s, d, p: d[0] != "x" or s[0] == "y"),
    ("4-pass-then-np-isolates-banp-ignored", [anp("pass-5", 5, [arule("pass-y", "Pass", "y")]), NP_FROM("z"), banp([arule("allow-y", "Allow", "y")])],
     lambda s, d, p: d[0] != "x" or s[0] == "z"),
    ("5-nothing-matches", [anp("deny-nobody", 10, [arule("deny-w", "Deny", "w")])], lambda s, d, p: True),
    ("6-anp-allow-overrides-np-isolation", [anp("allow-y", 1, [arule("allow-y", "Allow", "y")]), DENY_ING],
     lambda s, d, p: d[0] != "x" or s[0] == "y"),
]

def table(allowed, probe):
    names = [name_of(e) for e in ALL]
    lines = [f"{probe[0]}/{probe[1]}", "-\t" + "\t".join(names)]
    for s in ALL:
        cells = ["." if s == d or allowed(s, d, probe) else "X" for d in ALL]
        lines.append(name_of(s) + "\t" + "\t".join(cells))
    return "\n".join(lines) + "\n"

# YAML 1.1 (go-yaml, hence kubectl) reads a bare y/n as a boolean: quote them.
def _str(dumper, value):
    style = "'" if value in ("y", "n", "Y", "N") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)
yaml.SafeDumper.add_representer(str, _str)

def dump(docs):
    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False) for d in docs)

def main():
    e2e = HERE
    for entry in os.listdir(e2e):
        full = os.path.join(e2e, entry)
        if os.path.isdir(full): shutil.rmtree(full)
    with open(os.path.join(e2e, "cluster.yaml"), "w") as f:
        f.write("# The e2e model: namespaces x, y, z with pods a, b, c (SPECS 1.3).\n" + dump(cluster()))
    for cid, policies, probes, allowed, ns_extra, pod_extra in CASES:
        d = os.path.join(e2e, cid)
        os.makedirs(d)
        with open(os.path.join(d, "policy.yaml"), "w") as f:
            f.write(f"# e2e case {cid} (SPECS 1.3)\n" + (dump(policies) if policies else "# no policies: every connection is allowed\n"))
        with open(os.path.join(d, "expected.txt"), "w") as f:
            f.write("\n".join(table(allowed, p) for p in probes))
        if ns_extra or pod_extra:
            with open(os.path.join(d, "cluster.yaml"), "w") as f:
                f.write(f"# The e2e model relabelled for {cid}.\n" + dump(cluster(ns_extra, pod_extra)))
    anp_dir = os.path.join(os.path.dirname(e2e), "anp")
    shutil.rmtree(anp_dir, ignore_errors=True)
    for cid, policies, allowed in ANP_CASES:
        d = os.path.join(anp_dir, cid)
        os.makedirs(d)
        with open(os.path.join(d, "policy.yaml"), "w") as f:
            f.write(f"# SPECS 1.4 precedence row {cid}; the model is ../../e2e/cluster.yaml\n" + dump(policies))
        with open(os.path.join(d, "expected.txt"), "w") as f:
            f.write(table(allowed, T80))
    print(f"{len(CASES)} e2e cases, {len(ANP_CASES)} ANP cases")

main()
