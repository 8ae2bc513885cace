namespace Podwire.Ingress.Tests.Harness;

/// <summary>Runs a command-line client (curl, openssl) and returns its exit code and output.</summary>
public static class Tool
{
    /// <summary>Runs FILE with ARGS; a client that hangs fails the test after 30 s.</summary>
    public static Task<RunResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null) =>
        Programs.RunAsync(file, args, stdin, TimeSpan.FromSeconds(30));

    /// <summary>
    /// <c>curl</c> to http(s)://HOST:PORT/PATH with HOST resolved to 127.0.0.1 (<c>--resolve</c>):
    /// returns "CODE BODY" (body trimmed), e.g. "200 backend=a path=/foo …" or "404 404 page not found".
    /// </summary>
    public static async Task<string> CurlAsync(string host, int port, string path, bool https = false, params string[] extra)
    {
        var args = new List<string> { "-s", "-S", "--max-time", "10", "-w", "\n%{http_code}", "--resolve", $"{host}:{port}:127.0.0.1", "--path-as-is" };
        if (https) args.Add("-k");
        args.AddRange(extra);
        args.Add($"{(https ? "https" : "http")}://{host}:{port}{path}");
        var r = await RunAsync("curl", args);
        Assert.True(r.ExitCode == 0, $"curl {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stderr}");
        var text = r.Stdout.TrimEnd();
        int nl = text.LastIndexOf('\n');
        return nl < 0 ? text : text[(nl + 1)..] + " " + text[..nl].Trim();
    }

    /// <summary>The backend name in a backend's reply ("a", "b"…), or the status code when no backend answered.</summary>
    public static string Who(string curlResult)
    {
        int i = curlResult.IndexOf("backend=", StringComparison.Ordinal);
        if (i < 0) return curlResult.Split(' ')[0];
        int end = curlResult.IndexOf(' ', i);
        return curlResult[(i + 8)..(end < 0 ? curlResult.Length : end)];
    }
}
