using System.Diagnostics;
using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// A lab whose daemon is killed keeps forwarding, and <c>up</c> over it resumes it: a TCP
/// connection through a Service and a NetworkPolicy stays open across the kill and the resume,
/// and the pod's program is adopted by PID, not restarted (kube-proxy's and Cilium's promise).
/// </summary>
public class LabRestartTests
{
    private const string Manifests = """
        apiVersion: v1
        kind: Pod
        metadata: {name: srv, namespace: default, labels: {app: srv}}
        spec:
          containers:
          - name: echo
            command: [python3, -u, -c, "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 9000)); s.listen(8)\nwhile True:\n c,_=s.accept()\n while True:\n  d=c.recv(100)\n  if not d: break\n  c.sendall(d)\n c.close()"]
            ports: [{containerPort: 9000}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: cli, namespace: default, labels: {app: cli}}
        spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: srv, namespace: default}
        spec: {selector: {app: srv}, ports: [{port: 9000, targetPort: 9000}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: only-cli, namespace: default}
        spec:
          podSelector: {matchLabels: {app: srv}}
          policyTypes: [Ingress]
          ingress: [{from: [{podSelector: {matchLabels: {app: cli}}}], ports: [{port: 9000}]}]
        """;

    // One connection, a line every 100 ms, each echoed back within 2 s, until told to stop
    // (a file appears): prints "ok N" or "FAIL why" after N good round trips.
    private const string Client = """
        import socket, sys, os, time
        c = socket.create_connection((sys.argv[1], 9000), timeout=3); c.settimeout(2)
        n = 0
        try:
            while not os.path.exists(sys.argv[2]):
                msg = ('ping %d\n' % n).encode(); c.sendall(msg)
                got = b''
                while len(got) < len(msg): got += c.recv(100) or (_ for _ in ()).throw(EOFError('closed'))
                if got != msg: raise ValueError('wrong echo %r' % got)
                n += 1
                print('n', n, flush=True)
                time.sleep(0.1)
            print('ok', n, flush=True)
        except Exception as e:
            print('FAIL after %d: %r' % (n, e), flush=True); sys.exit(1)
        """;

    [RootFact]
    public void AKilledDaemonLeavesTrafficFlowingAndUpResumesWithoutBreakingConnections()
    {
        var dir = Directory.CreateTempSubdirectory("pw-restart-");
        File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifests);
        File.WriteAllText(Path.Combine(dir.FullName, "client.py"), Client);
        var stop = Path.Combine(dir.FullName, "stop");
        using var lab = new TestLab(dir.FullName);
        Process? client = null;
        try
        {
            var svc = JsonDocument.Parse(PodwireCli.Run("get", "services", "-n", "default", "-o", "json", "--cluster", lab.Name).Stdout)
                .RootElement.GetProperty("items").EnumerateArray().First(s => s.GetProperty("metadata").GetProperty("name").GetString() == "srv");
            var clusterIp = svc.GetProperty("spec").GetProperty("clusterIP").GetString()!;
            var srvPid = ServerPid(lab);

            var psi = Programs.StartInfo("ip", ["netns", "exec", lab.Netns("pod-default.cli"), "python3", Path.Combine(dir.FullName, "client.py"), clusterIp, stop]);
            psi.RedirectStandardOutput = true;
            client = Process.Start(psi)!;
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            client.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            client.BeginOutputReadLine();
            WaitFor(() => output.Count >= 5, "the client's first round trips");

            int daemon = int.Parse(File.ReadAllText($"/run/podwire/{lab.Name}/daemon.pid"));
            using (var p = Process.GetProcessById(daemon)) { p.Kill(); p.WaitForExit(5000); }
            // No daemon: the kernel still forwards (proxy DNAT, policy, VXLAN).
            int atKill = output.Count;
            WaitFor(() => output.Count >= atKill + 10, "round trips with no daemon");

            var resumed = PodwireCli.Run("up", "-f", dir.FullName, "--cluster", lab.Name);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Contains("resumed", resumed.Stdout);
            int atResume = output.Count;
            WaitFor(() => output.Count >= atResume + 10, "round trips after the resume");

            File.WriteAllText(stop, "");
            Assert.True(client.WaitForExit(10_000), "the client did not stop");
            client.WaitForExit();
            var last = output.Last();
            Assert.True(client.ExitCode == 0 && last.StartsWith("ok "), $"the connection broke: {last}");
            // The server was adopted, not restarted, and the lab is whole again.
            Assert.Equal(srvPid, ServerPid(lab));
            var status = JsonDocument.Parse(PodwireCli.Run("status", "--cluster", lab.Name, "-o", "json").Stdout).RootElement;
            Assert.Equal("ready", status.GetProperty("phase").GetString());
            var fresh = lab.Exec("default/cli", "python3", "-c", $"import socket; c=socket.create_connection(('{clusterIp}', 9000), timeout=3); c.sendall(b'x'); print(c.recv(10).decode())");
            Assert.Equal("x", fresh.Stdout.Trim());
        }
        finally
        {
            if (client is { HasExited: false }) { client.Kill(); client.WaitForExit(); }
            client?.Dispose();
            dir.Delete(true);
        }
    }

    private static int ServerPid(TestLab lab)
    {
        var record = File.ReadAllLines($"/run/podwire/{lab.Name}/logs/processes.tsv");
        return int.Parse(record.Single(l => l.Contains("default_srv.log")).Split('\t')[0]);
    }

    private static void WaitFor(Func<bool> done, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            Thread.Sleep(50);
        }
    }
}
