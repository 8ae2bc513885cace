using System.Net.Http;
using Podwire.Ingress.Tests.Harness;
using static Podwire.Ingress.Tests.Harness.Manifests;

namespace Podwire.Ingress.Tests;

/// <summary>Live reconfiguration: swaps under load lose nothing; the watcher and SIGHUP reload; bad manifests keep the old configuration.</summary>
public sealed class ReloadTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    private string Config(string backend) =>
        backends.Services + IngressYaml("load", [Rule("load.test", P("/", "Prefix", backend))]);

    [Fact]
    public async Task Swapping_the_configuration_under_load_drops_no_request()
    {
        await using var proxy = await IngressProcess.StartAsync(Config("a"));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        int ok = 0;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();

        async Task Loop(string path)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var req = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{proxy.HttpPort}{path}");
                    req.Headers.Host = "load.test";
                    using var resp = await client.SendAsync(req);
                    var body = await resp.Content.ReadAsStringAsync();
                    if ((int)resp.StatusCode != 200) errors.Add($"{(int)resp.StatusCode} {body}");
                    else { Interlocked.Increment(ref ok); seen.AddOrUpdate(Tool.Who(body), 1, (_, n) => n + 1); }
                }
                catch (Exception e) { errors.Add(e.Message); }
            }
        }
        var loops = Enumerable.Range(0, 6).Select(_ => Loop("/x")).Append(Loop("/slow")).ToArray();
        for (int i = 0; i < 6; i++)
        {
            await Task.Delay(300);
            await proxy.ReplaceManifestsAsync(Config(i % 2 == 0 ? "b" : "a"));
        }
        await Task.Delay(300);
        stop.Cancel();
        await Task.WhenAll(loops);

        Assert.Empty(errors);
        Assert.True(ok > 100, $"only {ok} requests completed");
        Assert.True(seen.ContainsKey("a") && seen.ContainsKey("b"), string.Join(",", seen.Keys));
        using var status = await proxy.StatusAsync();
        // Six swaps by request (the watcher may add reloads of its own).
        Assert.True(status.RootElement.GetProperty("generation").GetInt64() >= 7);
    }

    [Fact]
    public async Task The_watcher_and_SIGHUP_reload_and_a_broken_file_keeps_the_last_good_configuration()
    {
        await using var proxy = await IngressProcess.StartAsync(Config("a"));
        Assert.Equal("a", Tool.Who(await Tool.CurlAsync("load.test", proxy.HttpPort, "/")));

        File.WriteAllText(proxy.ManifestPath, Config("b"));
        Assert.True(await Eventually(async () => Tool.Who(await Tool.CurlAsync("load.test", proxy.HttpPort, "/")) == "b"), "the watcher did not reload");

        File.WriteAllText(proxy.ManifestPath, "apiVersion: v1\nkind: Service\nmetadata: {name: [broken\n");
        Assert.True(await Eventually(async () =>
        {
            using var s = await proxy.StatusAsync();
            return s.RootElement.GetProperty("lastErrors").GetArrayLength() > 0;
        }), "the broken file was not noticed");
        Assert.Equal("b", Tool.Who(await Tool.CurlAsync("load.test", proxy.HttpPort, "/")));
        Assert.Contains(proxy.Lines, l => l.Contains("failed; still serving generation", StringComparison.Ordinal));

        // Written where the watcher cannot see it coming: SIGHUP makes the server look.
        File.WriteAllText(proxy.ManifestPath, Config("c"));
        await Task.Delay(600); // the watcher may also fire; either way the result must be c
        var hup = await Tool.RunAsync("kill", ["-HUP", proxy.Pid.ToString()]);
        Assert.Equal(0, hup.ExitCode);
        Assert.True(await Eventually(async () => Tool.Who(await Tool.CurlAsync("load.test", proxy.HttpPort, "/")) == "c"), "no reload after SIGHUP");
        Assert.True(await Eventually(() => Task.FromResult(proxy.Lines.Any(l => l.Contains("live (SIGHUP)", StringComparison.Ordinal)))), "no SIGHUP reload logged");
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 50; i++)
        {
            if (await condition()) return true;
            await Task.Delay(100);
        }
        return false;
    }
}
