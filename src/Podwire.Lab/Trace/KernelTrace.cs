using System.Diagnostics;
using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.Probe;
using Podwire.Lab.Topology;
using Podwire.Model;

namespace Podwire.Lab.Trace;

/// <summary>What one node's nftables did with the traced packets.</summary>
public sealed record NodeTrace(string Node, IReadOnlyList<TraceEvent> Events);

/// <summary>
/// The kernel half of <c>podwire trace</c>: nftables tracing switched on in every node for one
/// source pod's first packet (a small table of its own, loaded and removed through
/// <see cref="INodeKernel"/>), one real probe sent, and what each node's <c>nft monitor trace</c>
/// saw. The trace tables are always removed, the monitors stopped by the PIDs started here.
/// </summary>
public static class KernelTrace
{
    public const string TraceTable = "podwire-trace";

    public static (IReadOnlyList<NodeTrace> Traces, ProbeResult Probe) Run(INodeKernel kernel, LabNames names, IReadOnlyList<string> nodes,
        string srcNetns, string srcIp, string dstIp, int port, Protocol proto)
    {
        // Match on the source and protocol, not the destination: after the first node's DNAT the
        // destination is the endpoint, and the pod's IP survives (pod-to-pod traffic is not masqueraded).
        // For TCP only the SYN is traced, so the path shown is the connection's first packet.
        var match = proto == Protocol.TCP ? $"ip saddr {srcIp} tcp flags & (syn | ack) == syn" : $"ip saddr {srcIp} meta l4proto {NftProtocol(proto)}";
        var table = $"table inet {TraceTable} {{\n" +
                    $"  chain pre {{ type filter hook prerouting priority raw - 10; policy accept; {match} meta nftrace set 1; }}\n" +
                    $"  chain out {{ type filter hook output priority raw - 10; policy accept; {match} meta nftrace set 1; }}\n}}\n";
        var monitors = new List<(string Node, Process Proc, Task<string> Out)>();
        var added = new List<string>();
        try
        {
            foreach (var node in nodes)
            {
                var netns = names.NodeNetns(node);
                var r = kernel.Nft(netns, table);
                if (!r.Ok) throw new DatapathException($"nft in {netns} failed: {r.Stderr.Trim()}");
                added.Add(netns);
                // The monitor runs until stopped: a process of its own, by PID.
                var psi = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in (string[])["--net=" + Netns.PathOf(netns), "nft", "monitor", "trace"]) psi.ArgumentList.Add(a);
                var proc = Process.Start(psi)!;
                monitors.Add((node, proc, proc.StandardOutput.ReadToEndAsync()));
            }
            // nft needs a moment to subscribe to the trace netlink group before the packet is sent.
            Thread.Sleep(300);
            var result = proto switch
            {
                Protocol.TCP => ProbeClient.Http(srcNetns, dstIp, port, "/hostname", TimeSpan.FromSeconds(3)),
                Protocol.UDP => ProbeClient.Udp(srcNetns, dstIp, port, "hostname", TimeSpan.FromSeconds(3)),
                _ => ProbeClient.SctpAsync(srcNetns, dstIp, port, TimeSpan.FromSeconds(3)).GetAwaiter().GetResult(),
            };
            Thread.Sleep(1000);
            var traces = new List<NodeTrace>();
            foreach (var (node, proc, outTask) in monitors)
            {
                Stop(proc);
                var text = outTask.Wait(TimeSpan.FromSeconds(2)) ? outTask.Result : "";
                traces.Add(new NodeTrace(node, TraceParser.Parse(text)));
            }
            return (traces, result);
        }
        finally
        {
            foreach (var (_, proc, _) in monitors) { Stop(proc); proc.Dispose(); }
            foreach (var netns in added) kernel.Nft(netns, $"delete table inet {TraceTable}\n");
        }
    }

    private static string NftProtocol(Protocol p) => p == Protocol.UDP ? "udp" : "sctp";

    private static void Stop(Process p)
    {
        try { if (!p.HasExited) p.Kill(); p.WaitForExit(2000); }
        catch (InvalidOperationException) { }
    }
}
