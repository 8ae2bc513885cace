using System.Diagnostics;

namespace Podwire.Dns.Tests;

/// <summary><c>podwire dns serve</c> as a process: the documented flags, dig against it, live reload of the manifests.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public void Serve_AnswersLikeDnsCommand_AndReloadsChangedManifests()
    {
        var dir = Directory.CreateTempSubdirectory("pw-dnsserve-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "spec.yaml"), Fixture.SpecManifests);
            int port = Loopback.FreePort();
            using var p = Process.Start(PodwireCli.StartInfo("dns", "serve", "-f", dir.FullName, "--listen", $"127.0.0.1:{port}", "--ttl", "9"))!;
            try
            {
                DigResult r = Wait(() => Dig.Run(port, "web.prod.svc.cluster.local.", "A"), x => x.Status == "NOERROR", TimeSpan.FromSeconds(600));
                Assert.Equal(["10.96.12.34"], r.Data("A"));
                Assert.Matches(@"\s9\s+IN\s+A\s", r.Raw);

                var cli = PodwireCli.Run("dns", "-f", dir.FullName, "_pg._tcp.db.prod.svc.cluster.local.", "SRV", "-o", "json");
                Assert.Equal(0, cli.ExitCode);
                var srv = Dig.Run(port, "_pg._tcp.db.prod.svc.cluster.local.", "SRV", "+tcp");
                foreach (var d in srv.Data("SRV")) Assert.Contains(d, cli.Stdout);
                Assert.Equal(2, srv.Answers.Count);
                Assert.Equal("REFUSED", Dig.Run(port, "example.org.", "A").Status);

                File.WriteAllText(Path.Combine(dir.FullName, "late.yaml"), """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: late, namespace: prod}
                    spec: {clusterIP: 10.96.77.7, ports: [{name: http, port: 80}]}
                    """);
                var late = Wait(() => Dig.Run(port, "late.prod.svc.cluster.local.", "A"), x => x.Status == "NOERROR", TimeSpan.FromSeconds(5));
                Assert.Equal(["10.96.77.7"], late.Data("A"));
            }
            finally
            {
                p.Kill();
                p.WaitForExit();
            }
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Serve_BadListenAddress_IsAnInputError()
    {
        var r = PodwireCli.Run("dns", "serve", "-f", Path.Combine(Repo.Root, "testdata/golden/dns-spec/manifests.yaml"), "--listen", "nonsense");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--listen: Invalid value", r.Stderr);
    }

    [Fact]
    public void DnsQueryCommand_StillAnswers()
    {
        var r = PodwireCli.Run("dns", "-f", Path.Combine(Repo.Root, "testdata/golden/dns-spec/manifests.yaml"), "dns-version.cluster.local.", "TXT", "-o", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "testdata/golden/dns-spec/01-version-txt.out")).Trim(), r.Stdout.Trim());
    }

    internal static T Wait<T>(Func<T> probe, Func<T, bool> done, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var v = probe();
            if (done(v) || watch.Elapsed > limit) return v;
            Thread.Sleep(100);
        }
    }
}
