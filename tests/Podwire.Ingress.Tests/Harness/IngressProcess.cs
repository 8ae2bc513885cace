using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;

namespace Podwire.Ingress.Tests.Harness;

/// <summary>
/// A real <c>podwire-ingress serve</c> process on 127.0.0.1 with ports it picks itself (port 0,
/// read back from its "listening" log lines), its manifests in a private temp directory, stopped
/// by its PID on dispose.
/// </summary>
public sealed class IngressProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    public string Dir { get; }
    public string ManifestPath => Path.Combine(Dir, "cluster.yaml");
    public int Pid => _process.Id;
    public int HttpPort { get; private set; }
    public int HttpsPort { get; private set; }
    public int AdminPort { get; private set; }

    private IngressProcess(Process process, string dir) { _process = process; Dir = dir; }

    public IReadOnlyList<string> Lines { get { lock (_gate) return [.. _lines]; } }

    /// <param name="yarpOnly">Start it with PODWIRE_INGRESS_FORWARDER=yarp: every request through YARP, none through the fast path.</param>
    public static async Task<IngressProcess> StartAsync(string manifests, bool yarpOnly = false)
    {
        var dir = Directory.CreateTempSubdirectory("pw-ingress-test.").FullName;
        File.WriteAllText(Path.Combine(dir, "cluster.yaml"), manifests);
        var psi = Command("serve", "-f", Path.Combine(dir, "cluster.yaml"), "--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--admin", "127.0.0.1:0");
        if (yarpOnly) psi.Environment["PODWIRE_INGRESS_FORWARDER"] = "yarp";
        var p = new Process { StartInfo = psi };
        var ip = new IngressProcess(p, dir);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (ip._gate) ip._lines.Add(line);
            int i;
            if ((i = line.IndexOf("listening http=", StringComparison.Ordinal)) >= 0) ip.HttpPort = PortOf(line);
            else if ((i = line.IndexOf("listening https=", StringComparison.Ordinal)) >= 0) ip.HttpsPort = PortOf(line);
            else if ((i = line.IndexOf("listening admin=", StringComparison.Ordinal)) >= 0) { ip.AdminPort = PortOf(line); ready.TrySetResult(); }
        }
        p.OutputDataReceived += (_, e) => OnLine(e.Data);
        p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var done = await Task.WhenAny(ready.Task, p.WaitForExitAsync(), Task.Delay(30_000));
        if (done != ready.Task)
        {
            await ip.DisposeAsync();
            throw new InvalidOperationException("podwire-ingress did not start:\n" + string.Join("\n", ip.Lines));
        }
        return ip;
    }

    private static int PortOf(string line) => int.Parse(line[(line.LastIndexOf(':') + 1)..].Trim());

    /// <summary>How to run the podwire-ingress built next to these tests.</summary>
    public static ProcessStartInfo Command(params string[] args)
    {
        var dll = Locate();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static string Locate()
    {
        var baseDir = AppContext.BaseDirectory.TrimEnd('/');
        var config = Path.GetFileName(baseDir); // "debug" (artifacts layout) or "net10.0"
        string[] candidates =
        [
            Path.Combine(baseDir, "..", "..", "Podwire.Ingress", config, "podwire-ingress.dll"),
            Path.Combine(baseDir, "..", "..", "..", "..", "..", "src", "Podwire.Ingress", "bin",
                Path.GetFileName(Path.GetDirectoryName(baseDir)!), config, "podwire-ingress.dll"),
            Path.Combine(baseDir, "podwire-ingress.dll"),
        ];
        foreach (var c in candidates)
            if (File.Exists(c) && File.Exists(Path.ChangeExtension(c, ".runtimeconfig.json"))) return Path.GetFullPath(c);
        throw new FileNotFoundException("podwire-ingress.dll with its runtimeconfig not found near " + baseDir);
    }

    public async Task<JsonDocument> StatusAsync()
    {
        using var client = new HttpClient();
        return JsonDocument.Parse(await client.GetStringAsync($"http://127.0.0.1:{AdminPort}/_podwire/status"));
    }

    /// <summary>Rewrites the manifests and makes the server reload them now (the watcher would, a little later).</summary>
    public async Task<long> ReplaceManifestsAsync(string manifests)
    {
        File.WriteAllText(ManifestPath, manifests);
        using var client = new HttpClient();
        var r = await client.PostAsync($"http://127.0.0.1:{AdminPort}/_podwire/reload", null);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("generation").GetInt64();
    }

    public async ValueTask DisposeAsync()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
