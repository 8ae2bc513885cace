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
        var cluster = LabSelection.ClusterOption();
        var cni = new Option<string>("--cni") { Description = "podwire (default: our podwire-cni plugin) or reference (the reference bridge + host-local plugins).", DefaultValueFactory = _ => "podwire" };
        var netConf = new Option<string?>("--net-conf") { Description = "A Flannel net-conf.json (Network, SubnetLen, Backend.Type) instead of --cluster-cidr/--backend." };
        var cmd = new Command("up",
            "Bring the manifests up as a real network on this machine (root, Linux): nodes and pods are\n" +
            "network namespaces, the underlay is a bridge, pods are attached through the podwire-cni\n" +
            "plugin exactly as a container runtime calls it, and every pod serves its container ports.\n" +
            "Returns when the network is ready; a daemon keeps it running until 'podwire down'.\n\n" +
            "Backends (--backend): " + Podwire.Lab.PodNetwork.PodNetworks.Describe() + ".\n\n" +
            "Examples:\n  sudo ./podwire up -f examples/\n  sudo ./podwire up -f examples/ --nodes 3 --backend flannel-host-gw --cluster hostgw\n" +
            "  sudo ./podwire exec shop/web-xxxx -- curl -s http://10.244.1.5:8080/hostname");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(cluster);
        cmd.Options.Add(cni);
        cmd.Options.Add(netConf);
        cmd.SetAction(pr =>
        {
            var name = LabSelection.Name(pr.GetValue(cluster));
            var files = pr.GetValue(CliOptions.Files) ?? [];
            if (files.Length == 0) throw new CliException("-f/--filename is required: name a manifest file or folder");
            var be = pr.GetValue(CliOptions.Backend)!;
            string? clusterCidr = pr.GetValue(CliOptions.ClusterCidr);
            if (pr.GetValue(netConf) is { } nc) (clusterCidr, be) = FlannelNetConf.Read(nc, be);
            CliOptions.PodNetwork(be);
            var cniMode = pr.GetValue(cni)!;
            if (cniMode is not ("podwire" or "reference")) throw new CliException($"--cni: Unsupported value: \"{cniMode}\": supported values: \"podwire\", \"reference\"");
            LabSelection.RequireRoot();
            return BringUp(ctx, name, files, new LabState(name, be, cniMode == "reference", pr.GetValue(CliOptions.Nodes), clusterCidr,
                pr.GetValue(CliOptions.ServiceCidr), pr.GetValue(CliOptions.ClusterDomain), LabDaemonProcess.CniPath()));
        });
        return cmd;
    }

    /// <summary>
    /// Validates everything first, then starts the daemon and follows its progress until the lab
    /// is ready. A lab that fails to come up is removed again (nothing is left behind) and the
    /// reason is the error.
    /// </summary>
    public static int BringUp(CommandContext ctx, string name, IReadOnlyList<string> files, LabState state)
    {
        var paths = new LabPaths(name);
        var names = new LabNames(name);
        state = state with { PodIpam = CliOptions.PodNetwork(state.Backend).Ipam };
        if (LabDaemonProcess.DaemonPid(paths) is int running)
        {
            var phase = LabDaemonProcess.TryStatus(paths)?.Phase;
            if (phase is not ("failed" or null))
                throw new CliException($"lab \"{name}\" is already running (daemon pid {running}, phase {phase}); 'podwire down --cluster {name}' removes it", ExitCodes.Failed);
            ctx.Err.WriteLine($"lab \"{name}\" exists but {(phase is null ? "its daemon does not answer" : "failed")}: removing it first");
            TearDown(ctx, name);
        }
        if (LabDaemonProcess.DaemonPid(paths) is null && File.Exists(paths.StateFile) && Directory.Exists(paths.ManifestDir))
            return Resume(ctx, name, files);
        if (Directory.Exists(paths.Root) || Netns.List(names.Prefix).Count > 0)
            throw new CliException($"a stale lab \"{name}\" exists (its daemon is not running and its state is gone); clean it with 'podwire down --cluster {name}'", ExitCodes.Failed);

        var staging = Path.Combine(Path.GetTempPath(), $"podwire-up-{Environment.ProcessId}");
        try
        {
            ManifestStaging.StageManifests(files, staging);
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
            LabDaemonProcess.RequireTools();
            Directory.CreateDirectory(paths.Root);
            Directory.Move(staging, paths.ManifestDir);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
        }
        state.Save(paths.StateFile);
        int pid = LabDaemonProcess.StartDaemon(paths, name);
        var sw = Stopwatch.StartNew();
        string? failure = null;
        StatusReply? ready = null;
        if (!LabDaemonProcess.WaitForSocket(paths, pid, TimeSpan.FromSeconds(30)))
            failure = $"the lab daemon did not start: {LabDaemonProcess.LastLogLine(paths) ?? "no log"}";
        else
        {
            try
            {
                var answer = new LabClient(paths.Socket).Call(new LabRequest.WaitReady(), line => ctx.Err.WriteLine(line));
                if (answer.Error is { } e) failure = e;
                else ready = StatusReply.Read(answer.Body);
            }
            catch (IOException e) { failure = e.Message; }
        }
        if (failure is not null)
        {
            // Keep the daemon's log: it is the one place with the whole story, and down removes the state folder.
            var kept = LabDaemonProcess.KeepLog(paths);
            TearDown(ctx, name, quiet: true);
            throw new CliException($"lab \"{name}\" failed to come up: {failure} (nothing was left behind; the daemon's log is {kept})", ExitCodes.Failed);
        }
        ctx.Out.WriteLine($"lab \"{name}\" is up in {sw.Elapsed.TotalSeconds:F1} s: {ready!.Nodes} nodes, {ready.Pods} pods, backend {state.Backend}, daemon pid {pid}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>up</c> over a lab whose daemon died (the kernel kept forwarding): a new daemon adopts its
    /// namespaces, tables and pod programs and re-syncs them, without breaking established
    /// connections, as a restarted kube-proxy or Cilium agent does; then the given manifests are applied.
    /// </summary>
    private static int Resume(CommandContext ctx, string name, IReadOnlyList<string> files)
    {
        var paths = new LabPaths(name);
        ctx.Err.WriteLine($"lab \"{name}\" has no running daemon: resuming it (its namespaces, tables and pod programs are kept)");
        int pid = LabDaemonProcess.StartDaemon(paths, name, resume: true);
        var sw = Stopwatch.StartNew();
        if (!LabDaemonProcess.WaitForSocket(paths, pid, TimeSpan.FromSeconds(30)))
            throw new CliException($"lab \"{name}\" could not be resumed: the daemon did not start: {LabDaemonProcess.LastLogLine(paths) ?? "no log"} ('podwire down --cluster {name}' removes it)", ExitCodes.Failed);
        LabAnswer answer;
        try { answer = new LabClient(paths.Socket).Call(new LabRequest.WaitReady(), line => ctx.Err.WriteLine(line)); }
        catch (IOException e) { throw new CliException($"lab \"{name}\" could not be resumed: {e.Message} ('podwire down --cluster {name}' removes it)", ExitCodes.Failed); }
        if (answer.Error is { } err)
            throw new CliException($"lab \"{name}\" could not be resumed: {err} (log: {paths.LogFile}; 'podwire down --cluster {name}' removes it)", ExitCodes.Failed);
        try { SendApply(ctx, name, files, null); }
        catch (CliException e) { throw new CliException($"lab \"{name}\" resumed, but applying the manifests failed: {e.Message}", e.ExitCode); }
        var s = StatusReply.Read(new LabClient(paths.Socket).Call(new LabRequest.Status()).Body);
        ctx.Out.WriteLine($"lab \"{name}\" resumed in {sw.Elapsed.TotalSeconds:F1} s: {s.Nodes} nodes, {s.Pods} pods, backend {s.Backend}, daemon pid {pid}");
        return ExitCodes.Ok;
    }

    private static Command Down(CommandContext ctx)
    {
        var cluster = LabSelection.ClusterOption();
        var cmd = new Command("down",
            "Remove a lab and everything it created: namespaces, links, nftables tables, processes and\n" +
            "state files. Works after a crash too (a killed daemon is cleaned up by PID and prefix).\n\n" +
            "Examples:\n  sudo ./podwire down\n  sudo ./podwire down --cluster hostgw");
        cmd.Options.Add(cluster);
        cmd.SetAction(pr =>
        {
            LabSelection.RequireRoot();
            var name = pr.GetValue(cluster) is { } c ? LabSelection.Name(c) : LabSelection.Resolve(null);
            return TearDown(ctx, name);
        });
        return cmd;
    }

    public static int TearDown(CommandContext ctx, string name, bool quiet = false)
    {
        var paths = new LabPaths(name);
        var names = new LabNames(name);
        if (LabDaemonProcess.DaemonPid(paths) is int pid)
        {
            try
            {
                var answer = new LabClient(paths.Socket).Call(new LabRequest.Shutdown(), line => { if (!quiet) ctx.Err.WriteLine(line); }, TimeSpan.FromSeconds(90));
                if (answer.Error is { } e) ctx.Err.WriteLine($"daemon: {e}; removing what is left");
            }
            catch (IOException e)
            {
                ctx.Err.WriteLine($"daemon not answering ({e.Message}); stopping pid {pid}");
            }
            StopPid(pid);
        }
        using var kernel = new Podwire.Datapath.Kernel.LinuxKernel(ProcessRunner.Instance);
        LabBuilder.Teardown(kernel, names, paths, LabDaemonProcess.NetworkOf(paths));
        if (!quiet) ctx.Out.WriteLine($"lab \"{name}\" removed");
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

    /// <summary>
    /// Stages <paramref name="files"/> in a folder of this apply's own (two applies at once never
    /// share one; the daemon runs them in turn) and asks the daemon to converge to them. The daemon
    /// is the one validator: its problems are printed as the CLI prints them and exit 2.
    /// </summary>
    private static ApplyReply SendApply(CommandContext ctx, string name, IReadOnlyList<string> files, int? nodes)
    {
        var paths = new LabPaths(name);
        var staged = $"{paths.ManifestDir}.new.{Environment.ProcessId}";
        ManifestStaging.StageManifests(files, staged);
        LabAnswer answer;
        try { answer = new LabClient(paths.Socket).Call(new LabRequest.Apply(staged, nodes), line => ctx.Err.WriteLine(line)); }
        catch (IOException e) { throw new CliException($"apply to lab \"{name}\": {e.Message}", ExitCodes.Failed); }
        finally { if (Directory.Exists(staged)) Directory.Delete(staged, true); }
        if (answer.Problems.Count > 0)
        {
            foreach (var p in answer.Problems) ctx.Err.WriteLine($"error: {p}");
            throw new CliException(answer.Error!);
        }
        if (answer.Error is { } err) throw new CliException(err, ExitCodes.Failed);
        return ApplyReply.Read(answer.Body);
    }

    private static Command Apply(CommandContext ctx)
    {
        var cluster = LabSelection.ClusterOption();
        var cmd = new Command("apply",
            "Change a running lab to match new manifests: pods added, changed and removed incrementally\n" +
            "(unchanged pods keep their namespace and connections). Invalid input changes nothing.\n\n" +
            "Examples:\n  sudo ./podwire apply -f examples/\n  sudo ./podwire apply -f more-pods.yaml -f examples/ --cluster hostgw");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(cluster);
        cmd.SetAction(pr =>
        {
            LabSelection.RequireRoot();
            var name = LabSelection.Resolve(pr.GetValue(cluster));
            var paths = new LabPaths(name);
            if (LabDaemonProcess.DaemonPid(paths) is null) throw new CliException($"lab \"{name}\" is not running", ExitCodes.Failed);
            var files = pr.GetValue(CliOptions.Files) ?? [];
            if (files.Length == 0) throw new CliException("-f/--filename is required");
            // --nodes is checked as every command checks it; the daemon validates the manifests.
            if (pr.GetValue(CliOptions.Nodes) is not null) CliOptions.Options(pr);
            var r = SendApply(ctx, name, files, pr.GetValue(CliOptions.Nodes));
            var nodeNote = r.NodesAdded + r.NodesRemoved > 0 ? $", {r.NodesAdded} nodes added, {r.NodesRemoved} removed" : "";
            ctx.Out.WriteLine($"applied to lab \"{name}\": {r.Added} pods added, {r.Removed} removed, {r.Pods} pods{nodeNote}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Status(CommandContext ctx)
    {
        var cluster = LabSelection.ClusterOption();
        var output = CliOptions.Output("table, json");
        var cmd = new Command("status", "Show a running lab: phase, backend, nodes, pods, daemon and memory.\n\nExamples:\n  sudo ./podwire status\n  sudo ./podwire status -o json");
        cmd.Options.Add(cluster);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var name = LabSelection.Resolve(pr.GetValue(cluster));
            var paths = new LabPaths(name);
            if (LabDaemonProcess.DaemonPid(paths) is null)
                throw new CliException(Directory.Exists(paths.Root)
                    ? $"lab \"{name}\" is stale: its daemon is not running ('podwire down --cluster {name}' cleans it up)"
                    : $"lab \"{name}\" is not running", ExitCodes.Failed);
            LabAnswer answer;
            try { answer = new LabClient(paths.Socket).Call(new LabRequest.Status(), timeout: TimeSpan.FromSeconds(30)); }
            catch (IOException e) { throw new CliException($"lab \"{name}\": {e.Message}", ExitCodes.Failed); }
            if (pr.GetValue(output) == "json") { JsonOut.Write(ctx.Out, w => answer.Body.WriteTo(w)); return ExitCodes.Ok; }
            var s = StatusReply.Read(answer.Body);
            var t = new TableWriter("CLUSTER", "PHASE", "BACKEND", "CNI", "NODES", "PODS", "DAEMON-PID", "MEMORY", "UPTIME");
            t.Add(name, s.Phase, s.Backend, s.Cni, s.Nodes.ToString(), s.Pods.ToString(), s.Pid.ToString(),
                $"{s.MemoryBytes / 1024 / 1024} MiB", $"{s.UptimeSeconds:F0}s");
            t.Write(ctx.Out);
            if (s.Error is not null) ctx.Out.WriteLine($"REASON: {s.Error}");
            if (s.Agents.Count > 0)
            {
                ctx.Out.WriteLine();
                var a = new TableWriter("AGENT", "NODE", "HEALTH", "RESTARTS", "LAST-ERROR");
                foreach (var g in s.Agents) a.Add(g.Name, g.Node, g.Health, g.Restarts.ToString(), g.LastError ?? "");
                a.Write(ctx.Out);
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Exec(CommandContext ctx)
    {
        var cluster = LabSelection.ClusterOption();
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
            LabSelection.RequireRoot();
            var name = LabSelection.Resolve(pr.GetValue(cluster));
            var (ns, podName) = CliOptions.NsName("NS/POD", pr.GetValue(pod)!);
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
        var cluster = LabSelection.ClusterOption();
        var resume = new Option<bool>("--resume") { Description = "Adopt the lab's kernel state and processes instead of building it." };
        var cmd = new Command("daemon", "Internal: the lab daemon started by 'podwire up'.") { Hidden = true };
        cmd.Options.Add(cluster);
        cmd.Options.Add(resume);
        cmd.SetAction(pr =>
        {
            var name = LabSelection.Name(pr.GetValue(cluster));
            var paths = new LabPaths(name);
            var state = LabState.Load(paths.StateFile);
            using var daemon = new LabDaemon(paths, state, DaemonConfig.Real(state, paths), ctx.Out);
            return daemon.Run(pr.GetValue(resume));
        });
        return cmd;
    }
}
