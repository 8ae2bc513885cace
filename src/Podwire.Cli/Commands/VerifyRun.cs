using Podwire.Controllers.AddOns;
using Podwire.Datapath;
using Podwire.Lab.Daemon;
using Podwire.Lab.Probe;
using Podwire.Lab.Topology;
using Podwire.Model;
using Podwire.Policy.Engine;

namespace Podwire.Cli.Commands;

/// <summary>One probed case: the analyzer's verdict and what the kernel did.</summary>
public sealed record VerifyCase(string From, string To, int Port, Protocol Protocol, bool Expected, bool Observed, string Detail)
{
    public bool Mismatch => Observed != Expected;
}

public sealed record VerifyResult(IReadOnlyList<VerifyCase> Cases, int Mismatches);

/// <summary>Runs the probes of <c>verify</c>: all at once (bounded), each from inside the source pod's namespace.</summary>
public static class VerifyRun
{
    private const int Parallelism = 256;

    public static VerifyResult Run(PolicyEngine engine, LabNames names, IReadOnlyList<int> ports, IReadOnlyList<Protocol> protocols, TimeSpan timeout)
    {
        var pods = engine.Identities.Pods;
        // The pods the lab runs: addressed, scheduled, and with a namespace in the kernel.
        var live = new List<int>();
        for (int i = 0; i < pods.Count; i++)
        {
            var p = pods[i];
            if (p.HostNetwork || p.PodIP is null || p.NodeName is null || p.Phase is "Succeeded" or "Failed") continue;
            if (LabAddOns.IsAddOn(p)) continue; // the lab's DNS and ingress pods serve their own protocols, not probes
            if (Netns.Exists(names.PodNetns(p.Namespace, p.Name))) live.Add(i);
        }
        var cases = new List<(int From, int To, int Port, Protocol Proto, bool Expected)>();
        foreach (var proto in protocols)
            foreach (var port in ports)
            {
                var cells = engine.Matrix(port, proto);
                foreach (var a in live)
                    foreach (var b in live)
                        cases.Add((a, b, port, proto, cells[a * pods.Count + b].Allowed));
            }

        var observed = new (bool Ok, string Detail)[cases.Count];
        ProbeAll(Enumerable.Range(0, cases.Count).ToList());
        // Every disagreement is probed once more, on a fresh source port. A lost first packet must
        // not fail a run; nor may a UDP or SCTP probe that drew the source port of a flow an earlier
        // run left in conntrack (UDP 30 s, SCTP 10 s after ABORT): the kernel takes such a packet as
        // part of that flow, "established", and lets it through a policy that denies new flows,
        // which is right for the flow and says nothing about the policy. Measured before this
        // second look: 2 such cases in 60 runs right after policy swaps.
        ProbeAll(Enumerable.Range(0, cases.Count).Where(i => observed[i].Ok != cases[i].Expected).ToList());

        var result = new List<VerifyCase>(cases.Count);
        int mismatches = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var v = new VerifyCase(pods[c.From].Key, pods[c.To].Key, c.Port, c.Proto, c.Expected, observed[i].Ok, observed[i].Detail);
            if (v.Mismatch) mismatches++;
            result.Add(v);
        }
        return new VerifyResult(result, mismatches);

        void ProbeAll(List<int> which)
        {
            using var gate = new SemaphoreSlim(Parallelism);
            var tasks = new Task[which.Count];
            for (int k = 0; k < which.Count; k++)
            {
                int i = which[k];
                tasks[k] = Task.Run(async () =>
                {
                    await gate.WaitAsync().ConfigureAwait(false);
                    try { observed[i] = await Probe(cases[i].From, cases[i].To, cases[i].Port, cases[i].Proto).ConfigureAwait(false); }
                    finally { gate.Release(); }
                });
            }
            Task.WaitAll(tasks);
        }

        async Task<(bool, string)> Probe(int from, int to, int port, Protocol proto)
        {
            var src = pods[from];
            string netns = names.PodNetns(src.Namespace, src.Name);
            string ip = pods[to].PodIP!;
            ProbeResult r;
            try
            {
                r = proto switch
                {
                    Protocol.TCP => await ProbeClient.HttpAsync(netns, ip, port, "/hostname", timeout).ConfigureAwait(false),
                    Protocol.UDP => await ProbeClient.UdpAsync(netns, ip, port, "hostname", timeout).ConfigureAwait(false),
                    _ => await ProbeClient.SctpAsync(netns, ip, port, timeout).ConfigureAwait(false),
                };
            }
            catch (DatapathException e)
            {
                return (false, e.Message);
            }
            // Refused means the packet reached the pod and came back: policy drops, it never rejects.
            return r.Failure switch
            {
                ProbeFailure.None => (true, "answered"),
                ProbeFailure.Refused => (true, "refused: reached the pod, nothing listens there"),
                _ => (false, $"{r.Failure.ToString().ToLowerInvariant()}: {r.Detail}"),
            };
        }
    }
}
