using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.Daemon;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Tests;

/// <summary>
/// The whole daemon without root: the real composition root, socket and typed protocol, over the
/// in-memory kernel and a fake CNI. What a user of 'up', 'apply', 'status' and 'down' relies on:
/// one apply at a time, every failure answered with a sentence, a failed apply rolled back, and a
/// shutdown that leaves nothing.
/// </summary>
public sealed class DaemonTests : IDisposable
{
    private const string Pods = """
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: default}
        spec: {containers: [{name: c}]}
        """;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("pw-daemon-");
    private readonly FakeKernel _kernel;
    private readonly FakeAttacher _attacher = new();
    private readonly LabPaths _paths;
    private readonly LabDaemon _daemon;
    private readonly Task<int> _run;

    public DaemonTests()
    {
        _kernel = new FakeKernel(Path.Combine(_root.FullName, "etc"));
        _paths = new LabPaths("fake", Path.Combine(_root.FullName, "run"));
        Directory.CreateDirectory(_paths.ManifestDir);
        File.WriteAllText(Path.Combine(_paths.ManifestDir, "pods.yaml"), Pods);
        var state = new LabState("fake", "flannel-vxlan", false, 2, null, null, null, "");
        state.Save(_paths.StateFile);
        _daemon = new LabDaemon(_paths, state, new DaemonConfig(new RecordingRunner(), _kernel, _attacher, KernelSockets: false), TextWriter.Null);
        _run = Task.Run(() => _daemon.Run());
        for (int i = 0; i < 500 && !File.Exists(_paths.Socket); i++) Thread.Sleep(10);
    }

    public void Dispose()
    {
        if (!_run.IsCompleted) Call(new LabRequest.Shutdown());
        _run.Wait(TimeSpan.FromSeconds(30));
        _root.Delete(true);
    }

    private LabAnswer Call(LabRequest r, List<string>? progress = null) =>
        new LabClient(_paths.Socket).Call(r, p => { lock (progress ?? []) progress?.Add(p); }, TimeSpan.FromSeconds(60));

    private string Stage(string yaml)
    {
        var dir = Path.Combine(_paths.Root, "manifests.new." + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "pods.yaml"), yaml);
        return dir;
    }

    private static string WithPod(string name) => Pods + $"\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: default}}\nspec: {{containers: [{{name: c}}]}}\n";

    [Fact]
    public void UpReportsReadyWithTypedStatus()
    {
        var ready = Call(new LabRequest.WaitReady());
        Assert.Null(ready.Error);
        var s = StatusReply.Read(ready.Body);
        Assert.Equal(("ready", 2, "flannel-vxlan"), (s.Phase, s.Nodes, s.Backend));
        Assert.True(_kernel.NamespaceExists("pw-fake-pod-default.a"));
        Assert.Contains(_daemon.Components, c => c.Name == "service-proxy");
        Assert.Contains(_daemon.Components, c => c.Name == "network-policy");
    }

    [Fact]
    public void AFailedApplyIsRolledBackAndSaysWhatFailed()
    {
        Call(new LabRequest.WaitReady());
        var before = _kernel.Dump();
        _attacher.Fails = p => p.Name == "b";
        var answer = Call(new LabRequest.Apply(Stage(WithPod("b"))));
        Assert.NotNull(answer.Error);
        Assert.Contains("apply failed: add pods: 1 of 1 pods could not be attached: pod default/b", answer.Error);
        Assert.Contains("no addresses left", answer.Error);
        Assert.Contains("rolled back and runs as before", answer.Error);
        Assert.Equal(before, _kernel.Dump());
        Assert.Equal("ready", StatusReply.Read(Call(new LabRequest.Status()).Body).Phase);

        _attacher.Fails = _ => false;
        var ok = Call(new LabRequest.Apply(Stage(WithPod("b"))));
        Assert.Null(ok.Error);
        Assert.Equal(1, ApplyReply.Read(ok.Body).Added);
    }

    [Fact]
    public void InvalidManifestsAreRefusedWithEveryProblemAndNothingChanges()
    {
        Call(new LabRequest.WaitReady());
        var before = _kernel.Dump();
        var answer = Call(new LabRequest.Apply(Stage("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 0}]\n")));
        Assert.Equal("1 problem(s) found; nothing was changed", answer.Error);
        var problem = Assert.Single(answer.Problems);
        Assert.StartsWith("pods.yaml", problem);
        Assert.Contains("spec.ports[0].port", problem);
        Assert.Equal(before, _kernel.Dump());
    }

    [Fact]
    public async Task ApplyTogetherRunOneAtATime()
    {
        Call(new LabRequest.WaitReady());
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Task.Run(() => Call(new LabRequest.Apply(Stage(WithPod("p" + i)))))));
        Assert.All(answers, a => Assert.Null(a.Error));
        // Each one converged from where the one before it left the lab: the first added its pod,
        // each later one swapped the previous pod for its own. Interleaved, some would see half of another.
        var replies = answers.Select(a => ApplyReply.Read(a.Body)).ToList();
        Assert.Equal(1, replies.Count(r => (r.Added, r.Removed) == (1, 0)));
        Assert.Equal(2, replies.Count(r => (r.Added, r.Removed) == (1, 1)));
        Assert.Equal(4 + 3, _attacher.Attaches); // up: a and the three add-on pods; then one per apply
    }

    [Fact]
    public void NodesJoinAndLeaveThroughApply()
    {
        Call(new LabRequest.WaitReady());
        var grow = ApplyReply.Read(Call(new LabRequest.Apply(Stage(Pods), Nodes: 3)).Body);
        Assert.Equal((1, 0), (grow.NodesAdded, grow.NodesRemoved));
        Assert.True(_kernel.NamespaceExists("pw-fake-node-node-3"));
        Assert.Equal(3, LabState.Load(_paths.StateFile).Nodes);
        var shrink = ApplyReply.Read(Call(new LabRequest.Apply(Stage(Pods), Nodes: 2)).Body);
        Assert.Equal((0, 1), (shrink.NodesAdded, shrink.NodesRemoved));
        Assert.False(_kernel.NamespaceExists("pw-fake-node-node-3"));
    }

    [Fact]
    public void UnknownRequestsAndStagingOutsideTheLabGetAnErrorNotASilentClose()
    {
        Call(new LabRequest.WaitReady());
        var outside = Call(new LabRequest.Apply("/etc"));
        Assert.Contains("is not inside the lab's state folder", outside.Error);
        Assert.Equal("{\"error\":\"unknown op nope\"}", Raw("{\"op\":\"nope\"}"));
        Assert.Equal("{\"error\":\"request has no \\u0022op\\u0022\"}", Raw("{}"));
        Assert.StartsWith("{\"error\":\"request is not JSON", Raw("op=status"));
    }

    // One line to the daemon's socket as any client could send it; its one-line answer.
    private string Raw(string line)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(_paths.Socket));
        socket.ReceiveTimeout = 30_000;
        using var stream = new System.Net.Sockets.NetworkStream(socket);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        return new StreamReader(stream).ReadLine() ?? "(closed without an answer)";
    }

    [Fact]
    public async Task ShutdownDisposesEverythingAndLeavesNothing()
    {
        Call(new LabRequest.WaitReady());
        var answer = Call(new LabRequest.Shutdown());
        Assert.Null(answer.Error);
        Assert.Equal(0, await _run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(_kernel.ListNamespaces("pw-fake-"));
        Assert.False(Directory.Exists(_paths.Root));
        Assert.Empty(_daemon.Components);
    }
}
