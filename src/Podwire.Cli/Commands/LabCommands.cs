using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Podwire.Cli.Output;
using Podwire.Datapath;
using Podwire.Lab;
using Podwire.Lab.Daemon;
using Podwire.Lab.Topology;
using Podwire.Sources;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire up|down|apply|status|exec</c>: the real network in the kernel.</summary>
public static class LabCommands
{
    public static IEnumerable<Command> Create(CommandContext ctx) =>
        [Up(ctx), Down(ctx), Apply(ctx), Status(ctx), Exec(ctx), Daemon(ctx)];

    private static Command Up(CommandContext ctx)
    {
        var cluster = LabCommon.ClusterOption();
        var backend = new Option<string>("--backend") { Description = "Pod network backend: flannel-vxlan (default) or flannel-host-gw.", DefaultValueFactory = _ => "flannel-vxlan" };
        var cni = new Option<string>("--cni") { Description = "podwire (default: our podwire-cni plugin) or reference (the reference bridge + host-local plugins).", DefaultValueFactory = _ => "podwire" };
        var netConf = new Option<string?>("--net-conf") { Description = "A Flannel net-conf.json (Network, SubnetLen, Backend.Type) instead of --cluster-cidr/--backend." };
        var cmd = new Command("up",
            "Bring the manifests up as a real network on this machine (root, Linux): nodes and pods are\n" +
            "network namespaces, the underlay is a bridge, pods are attached through the podwire-cni\n" +
            "plugin exactly as a container runtime calls it, and every pod serves its container ports.\n" +
            "Returns when the network is ready; a daemon keeps it running until 'podwire down'.\n\n" +
            "Examples:\n  sudo ./podwire up -f examples/\n  sudo ./podwire up -f examples/ --nodes 3 --backend flannel-host-gw --cluster hostgw\n" +
            "  sudo ./podwire exec shop/web-xxxx -- curl -s http://10.244.1.5:8080/hostname");
        cmd.Options.Add(Common.Files);
        cmd.Options.Add(cluster);
        cmd.Options.Add(backend);
        cmd.Options.Add(cni);
        cmd.Options.Add(netConf);
        cmd.SetAction(pr =>
        {
            var name = LabCommon.Name(pr.GetValue(cluster));
            var files = pr.GetValue(Common.Files) ?? [];
            if (files.Length == 0) throw new CliException("-f/--filename is required: name a manifest file or folder");
            var be = pr.GetValue(backend)!;
            string? clusterCidr = pr.GetValue(Common.ClusterCidr);
            if (pr.GetValue(netConf) is { } nc) (clusterCidr, be) = FlannelNetConf.Read(nc, be);
            if (Podwire.Lab.Backends.Backends.Find(be) is null)
                throw new CliException($"--backend: Unsupported value: \"{be}\": supported values: {string.Join(", ", Podwire.Lab.Backends.Backends.Names)}");
            var cniMode = pr.GetValue(cni)!;
            if (cniMode is not ("podwire" or "reference")) throw new CliException($"--cni: Unsupported value: \"{cniMode}\": supported values: \"podwire\", \"reference\"");
            LabCommon.RequireRoot();
            return BringUp(ctx, name, files, new LabState(name, be, cniMode == "reference", pr.GetValue(Common.Nodes), clusterCidr,
                pr.GetValue(Common.ServiceCidr), pr.GetValue(Common.ClusterDomain), LabCommon.CniPath()));
        });
        return cmd;
    }

    /// <summary>Validates everything first, then starts the daemon and follows its progress until the lab is ready.</summary>
    public static int BringUp(CommandContext ctx, string name, IReadOnlyList<string> files, LabState state)
    {
        var paths = new LabPaths(name);
        var names = new LabNames(name);
        if (LabCommon.DaemonPid(paths) is int running)
            throw new CliException($"lab \"{name}\" is already running (daemon pid {running}); 'podwire down --cluster {name}' removes it", ExitCodes.Failed);
        if (Directory.Exists(paths.Root) || Netns.List(names.Prefix).Count > 0)
            throw new CliException($"a stale lab \"{name}\" exists (its daemon is not running); clean it with 'podwire down --cluster {name}'", ExitCodes.Failed);

        var staging = Path.Combine(Path.GetTempPath(), $"podwire-up-{Environment.ProcessId}");
        try
        {
            LabCommon.StageManifests(files, staging);
            var loaded = ClusterLoader.Load([staging], LabCluster.Options(state));
            foreach (var n in loaded.Notices) ctx.Err.WriteLine($"notice: {n}");
            if (!loaded.Ok)
            {
                foreach (var p in loaded.Problems) ctx.Err.WriteLine($"error: {p.ToString().Replace(staging + "/", "")}");
                throw new CliException($"{loaded.Problems.Count} problem(s) found; nothing was done");
            }
            var unroutable = LabPlan.Unroutable(Podwire.Controllers.ControlPlane.Derive(loaded.Model!));
            if (unroutable.Count > 0)
            {
                foreach (var u in unroutable) ctx.Err.WriteLine($"error: {u}");
                throw new CliException($"{unroutable.Count} pod(s) cannot be wired in the lab; nothing was done");
            }
            Directory.CreateDirectory(paths.Root);
            Directory.Move(staging, paths.ManifestDir);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
        }
        state.Save(paths.StateFile);
        int pid = LabCommon.StartDaemon(paths, name);
        if (!LabCommon.WaitForSocket(paths, pid, TimeSpan.FromSeconds(30)))
            throw new CliException($"the lab daemon did not start; see {paths.LogFile} ('podwire down --cluster {name}' cleans up)", ExitCodes.Failed);
        var sw = Stopwatch.StartNew();
        var result = new LabClient(paths.Socket).Call(LabProtocol.Message(w => w.WriteString("op", "wait-ready")), line => ctx.Err.WriteLine(line));
        if (result.TryGetProperty("error", out var err))
            throw new CliException($"lab \"{name}\" failed to come up: {err.GetString()} (log: {paths.LogFile}; 'podwire down --cluster {name}' cleans up)", ExitCodes.Failed);
        ctx.Out.WriteLine($"lab \"{name}\" is up in {sw.Elapsed.TotalSeconds:F1} s: {result.GetProperty("nodes").GetInt32()} nodes, {result.GetProperty("pods").GetInt32()} pods, backend {state.Backend}, daemon pid {pid}");
        return ExitCodes.Ok;
    }

    private static Command Down(CommandContext ctx)
    {
        var cluster = LabCommon.ClusterOption();
        var cmd = new Command("down",
            "Remove a lab and everything it created: namespaces, links, nftables tables, processes and\n" +
            "state files. Works after a crash too (a killed daemon is cleaned up by PID and prefix).\n\n" +
            "Examples:\n  sudo ./podwire down\n  sudo ./podwire down --cluster hostgw");
        cmd.Options.Add(cluster);
        cmd.SetAction(pr =>
        {
            LabCommon.RequireRoot();
            var name = pr.GetValue(cluster) is { } c ? LabCommon.Name(c) : LabCommon.Resolve(null);
            return TearDown(ctx, name);
        });
        return cmd;
    }

    public static int TearDown(CommandContext ctx, string name)
    {
        var paths = new LabPaths(name);
        var names = new LabNames(name);
        if (LabCommon.DaemonPid(paths) is int pid)
        {
            try
            {
                new LabClient(paths.Socket).Call(LabProtocol.Message(w => w.WriteString("op", "shutdown")), line => ctx.Err.WriteLine(line), TimeSpan.FromSeconds(60));
            }
            catch (IOException e)
            {
                ctx.Err.WriteLine($"daemon not answering ({e.Message}); stopping pid {pid}");
            }
            StopPid(pid);
        }
        int removed = LabBuilder.Teardown(ProcessRunner.Instance, names, paths);
        ctx.Out.WriteLine($"lab \"{name}\" removed");
        return ExitCodes.Ok;
    }

    /// <summary>SIGTERM, then SIGKILL after a grace period: by the PID we started, never by name.</summary>
    private static void StopPid(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            if (p.WaitForExit(5000)) return;
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
    }

    private static Command Apply(CommandContext ctx)
    {
        var cluster = LabCommon.ClusterOption();
        var cmd = new Command("apply",
            "Change a running lab to match new manifests: pods added, changed and removed incrementally\n" +
            "(unchanged pods keep their namespace and connections). Invalid input changes nothing.\n\n" +
            "Examples:\n  sudo ./podwire apply -f examples/\n  sudo ./podwire apply -f more-pods.yaml -f examples/ --cluster hostgw");
        cmd.Options.Add(Common.Files);
        cmd.Options.Add(cluster);
        cmd.SetAction(pr =>
        {
            LabCommon.RequireRoot();
            var name = LabCommon.Resolve(pr.GetValue(cluster));
            var paths = new LabPaths(name);
            if (LabCommon.DaemonPid(paths) is null) throw new CliException($"lab \"{name}\" is not running", ExitCodes.Failed);
            var files = pr.GetValue(Common.Files) ?? [];
            if (files.Length == 0) throw new CliException("-f/--filename is required");
            var staged = paths.ManifestDir + ".new";
            LabCommon.StageManifests(files, staged);
            var state = LabState.Load(paths.StateFile);
            var loaded = ClusterLoader.Load([staged], LabCluster.Options(state));
            if (!loaded.Ok)
            {
                foreach (var p in loaded.Problems) ctx.Err.WriteLine($"error: {p.ToString().Replace(staged + "/", "")}");
                Directory.Delete(staged, true);
                throw new CliException($"{loaded.Problems.Count} problem(s) found; nothing was changed");
            }
            var r = new LabClient(paths.Socket).Call(LabProtocol.Message(w => w.WriteString("op", "apply")), line => ctx.Err.WriteLine(line));
            if (r.TryGetProperty("error", out var err))
            {
                if (Directory.Exists(staged)) Directory.Delete(staged, true);
                throw new CliException(err.GetString()!, ExitCodes.Failed);
            }
            ctx.Out.WriteLine($"applied to lab \"{name}\": {r.GetProperty("added").GetInt32()} pods added, {r.GetProperty("removed").GetInt32()} removed, {r.GetProperty("pods").GetInt32()} pods");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Status(CommandContext ctx)
    {
        var cluster = LabCommon.ClusterOption();
        var output = Common.Output("table, json");
        var cmd = new Command("status", "Show a running lab: phase, backend, nodes, pods, daemon and memory.\n\nExamples:\n  sudo ./podwire status\n  sudo ./podwire status -o json");
        cmd.Options.Add(cluster);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var name = LabCommon.Resolve(pr.GetValue(cluster));
            var paths = new LabPaths(name);
            if (LabCommon.DaemonPid(paths) is null)
                throw new CliException(Directory.Exists(paths.Root)
                    ? $"lab \"{name}\" is stale: its daemon is not running ('podwire down --cluster {name}' cleans it up)"
                    : $"lab \"{name}\" is not running", ExitCodes.Failed);
            var s = new LabClient(paths.Socket).Call(LabProtocol.Message(w => w.WriteString("op", "status")));
            if (pr.GetValue(output) == "json") { JsonOut.Write(ctx.Out, w => s.WriteTo(w)); return ExitCodes.Ok; }
            var t = new TableWriter("CLUSTER", "PHASE", "BACKEND", "CNI", "NODES", "PODS", "DAEMON-PID", "MEMORY", "UPTIME");
            t.Add(name, s.GetProperty("phase").GetString(), s.GetProperty("backend").GetString(), s.GetProperty("cni").GetString(),
                s.GetProperty("nodes").GetInt32().ToString(), s.GetProperty("pods").GetInt32().ToString(), s.GetProperty("pid").GetInt32().ToString(),
                $"{s.GetProperty("memoryBytes").GetInt64() / 1024 / 1024} MiB", $"{s.GetProperty("uptimeSeconds").GetDouble():F0}s");
            t.Write(ctx.Out);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Exec(CommandContext ctx)
    {
        var cluster = LabCommon.ClusterOption();
        var pod = new Argument<string>("NS/POD") { Description = "The pod whose network namespace the command runs in." };
        var command = new Argument<string[]>("COMMAND") { Description = "The command and its arguments (after --).", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("exec",
            "Run a command inside a pod's network namespace (with its /etc/hosts) and return its exit code.\n\n" +
            "Examples:\n  sudo ./podwire exec shop/web-xxxx -- ip addr\n  sudo ./podwire exec data/postgres-0 -- curl -s http://10.244.1.4:8081/hostname");
        cmd.Options.Add(cluster);
        cmd.Arguments.Add(pod);
        cmd.Arguments.Add(command);
        cmd.SetAction(pr =>
        {
            LabCommon.RequireRoot();
            var name = LabCommon.Resolve(pr.GetValue(cluster));
            var (ns, podName) = Common.NsName("NS/POD", pr.GetValue(pod)!);
            var netns = new LabNames(name).PodNetns(ns, podName);
            if (!Netns.Exists(netns)) throw new CliException($"pod \"{ns}/{podName}\" is not running in lab \"{name}\"", ExitCodes.Failed);
            var psi = new ProcessStartInfo("ip") { UseShellExecute = false };
            foreach (var a in (string[])["netns", "exec", netns, .. pr.GetValue(command)!]) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        });
        return cmd;
    }

    private static Command Daemon(CommandContext ctx)
    {
        var cluster = LabCommon.ClusterOption();
        var cmd = new Command("daemon", "Internal: the lab daemon started by 'podwire up'.") { Hidden = true };
        cmd.Options.Add(cluster);
        cmd.SetAction(pr =>
        {
            var name = LabCommon.Name(pr.GetValue(cluster));
            var paths = new LabPaths(name);
            var state = LabState.Load(paths.StateFile);
            return new LabDaemon(paths, state, ProcessRunner.Instance, ctx.Out).Run();
        });
        return cmd;
    }
}
