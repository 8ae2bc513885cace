using System.Text.RegularExpressions;
using Podwire.Model;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

public class WorkloadControllerTests
{
    private const string Safe = "[bcdfghjklmnpqrstvwxz2456789]";

    [Fact]
    public void Deployment_pods_are_named_rs_hash_suffix_and_labelled()
    {
        var d = ControlPlane.Derive(Cluster(workloads: [Workload(WorkloadKind.Deployment, "prod", "web", 3)]));
        var pods = d.Pods.Where(p => p.Namespace == "prod").ToArray();
        Assert.Equal(3, pods.Length);
        var hash = pods[0].Labels.Get(WorkloadController.PodTemplateHashLabel)!;
        Assert.Matches("^" + Safe + "{10}$", hash);
        Assert.All(pods, p =>
        {
            Assert.Matches("^web-" + hash + "-" + Safe + "{5}$", p.Name);
            Assert.Equal(hash, p.Labels.Get(WorkloadController.PodTemplateHashLabel));
            Assert.Equal("web", p.Labels.Get("app"));
            Assert.Equal(new OwnerRef("Deployment", "web"), p.Owner);
            Assert.NotNull(p.PodIP);
            Assert.NotNull(p.NodeName);
        });
        Assert.Equal(3, pods.Select(p => p.Name).Distinct().Count());
        // Deterministic: the same input names the same pods.
        var again = ControlPlane.Derive(Cluster(workloads: [Workload(WorkloadKind.Deployment, "prod", "web", 3)]));
        Assert.Equal(pods.Select(p => p.Name), again.Pods.Where(p => p.Namespace == "prod").Select(p => p.Name));
    }

    [Fact]
    public void Template_change_changes_the_pod_template_hash()
    {
        var a = Workload(WorkloadKind.Deployment, "prod", "web", 1);
        var b = a with { Template = a.Template with { Labels = L(("app", "web"), ("v", "2")) } };
        Assert.NotEqual(WorkloadController.PodTemplateHash(a), WorkloadController.PodTemplateHash(b));
    }

    [Fact]
    public void ReplicaSet_and_Job_pods_get_five_char_suffixes()
    {
        var d = ControlPlane.Derive(Cluster(workloads:
        [
            Workload(WorkloadKind.ReplicaSet, "x", "rs", 2),
            Workload(WorkloadKind.Job, "x", "batch", 2),
        ]));
        var rs = d.Pods.Where(p => p.Owner?.Kind == "ReplicaSet").ToArray();
        var job = d.Pods.Where(p => p.Owner?.Kind == "Job").ToArray();
        Assert.Equal(2, rs.Length);
        Assert.All(rs, p => Assert.Matches("^rs-" + Safe + "{5}$", p.Name));
        Assert.Equal(2, job.Length);
        Assert.All(job, p =>
        {
            Assert.Matches("^batch-" + Safe + "{5}$", p.Name);
            Assert.Equal("batch", p.Labels.Get(WorkloadController.JobNameLabel));
        });
    }

    [Fact]
    public void StatefulSet_pods_have_ordinal_names_hostnames_and_subdomain()
    {
        var d = ControlPlane.Derive(Cluster(workloads: [Workload(WorkloadKind.StatefulSet, "prod", "db", 3, serviceName: "db-hl")]));
        var pods = d.Pods.Where(p => p.Namespace == "prod").ToArray();
        Assert.Equal(["db-0", "db-1", "db-2"], pods.Select(p => p.Name));
        Assert.Equal(["db-0", "db-1", "db-2"], pods.Select(p => p.Hostname));
        Assert.All(pods, p => Assert.Equal("db-hl", p.Subdomain));
        Assert.Equal(["db-0", "db-1", "db-2"], pods.Select(p => p.Labels.Get(WorkloadController.StatefulSetPodNameLabel)));
        Assert.Equal(["0", "1", "2"], pods.Select(p => p.Labels.Get(WorkloadController.PodIndexLabel)));
    }

    [Fact]
    public void StatefulSet_template_hostname_wins()
    {
        var w = Workload(WorkloadKind.StatefulSet, "prod", "db", 1, serviceName: "db-hl");
        w = w with { Template = w.Template with { Hostname = "fixed", Subdomain = "other" } };
        var pod = ControlPlane.Derive(Cluster(workloads: [w])).FindPod("prod", "db-0")!;
        Assert.Equal("fixed", pod.Hostname);
        Assert.Equal("other", pod.Subdomain);
    }

    [Fact]
    public void DaemonSet_puts_one_pod_on_every_node()
    {
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 3 },
            workloads: [Workload(WorkloadKind.DaemonSet, "kube-system", "agent", 0)]));
        var pods = d.Pods.Where(p => p.Owner?.Kind == "DaemonSet").ToArray();
        Assert.Equal(3, pods.Length);
        Assert.Equal(["node-1", "node-2", "node-3"], pods.Select(p => p.NodeName).Order());
        Assert.All(pods, p => Assert.Matches("^agent-" + Safe + "{5}$", p.Name));
    }

    [Fact]
    public void Input_pods_already_owned_by_a_workload_are_not_doubled()
    {
        var owned = Pod("prod", "web-existing") with { Owner = new OwnerRef("Deployment", "web") };
        var d = ControlPlane.Derive(Cluster(pods: [owned], workloads: [Workload(WorkloadKind.Deployment, "prod", "web", 3)]));
        Assert.Single(d.Pods, p => p.Namespace == "prod");
    }
}
