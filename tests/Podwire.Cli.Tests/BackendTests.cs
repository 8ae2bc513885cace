using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// --backend on analysis commands: the registry's names, a clear error for any other, and the
/// addresses it predicts, which the lab then assigns (checked against a real lab as root).
/// </summary>
public class BackendTests
{
    private static readonly string Examples = Repo.PathOf("examples");

    private static Dictionary<string, string> PodIPs(RunResult r)
    {
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("items").EnumerateArray()
            .Where(p => p.GetProperty("status").TryGetProperty("podIP", out _))
            .ToDictionary(p => p.GetProperty("metadata").GetProperty("namespace").GetString() + "/" + p.GetProperty("metadata").GetProperty("name").GetString(),
                p => p.GetProperty("status").GetProperty("podIP").GetString()!);
    }

    [Fact]
    public void AnUnknownBackendIsAnErrorNamingTheValidOnes()
    {
        var r = PodwireCli.Run("get", "pods", "-f", Examples, "-A", "--backend", "calico-typo");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--backend: Unsupported value: \"calico-typo\": supported values: \"flannel-vxlan\", \"flannel-host-gw\"", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Empty(r.Stdout);
    }

    [Fact]
    public void HelpListsTheBackends()
    {
        var r = PodwireCli.Run("get", "--help");
        Assert.Contains("--backend", r.Stdout);
        Assert.Contains("flannel-vxlan, flannel-host-gw", r.Stdout);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    public void EveryBackendPredictsAddressesForEveryPod(string backend)
    {
        var ips = PodIPs(PodwireCli.Run("get", "pods", "-f", Examples, "-A", "-o", "json", "--backend", backend));
        Assert.NotEmpty(ips);
        Assert.All(ips.Values, ip => Assert.StartsWith("10.244.", ip));
        // Both Flannel backends share one IPAM (a podCIDR per node): the same prediction.
        Assert.Equal(PodIPs(PodwireCli.Run("get", "pods", "-f", Examples, "-A", "-o", "json")), ips);
    }

    [RootFact]
    public void TheLabAssignsExactlyWhatTheAnalyzerPredictsForItsBackend()
    {
        var predicted = PodIPs(PodwireCli.Run("get", "pods", "-f", Examples, "-A", "-o", "json", "--backend", "flannel-host-gw"));
        using var lab = new TestLab(Examples, "--backend", "flannel-host-gw");
        var running = PodIPs(PodwireCli.Run("get", "pods", "-A", "-o", "json", "--cluster", lab.Name));
        // The lab adds its add-ons (coredns, ingress) on top; every predicted pod keeps its address.
        Assert.All(predicted, kv => Assert.Equal(kv.Value, running[kv.Key]));
    }
}
