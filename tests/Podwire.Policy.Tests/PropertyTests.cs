using System.Net;
using CsCheck;
using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Policy.Naive;

namespace Podwire.Policy.Tests;

/// <summary>The fast engine (Reach, Matrix, MatrixCounts) agrees with the naive evaluator on random clusters.</summary>
public class PropertyTests
{
    private static readonly (int, Protocol)[] Probes =
        [(80, Protocol.TCP), (81, Protocol.TCP), (53, Protocol.UDP), (80, Protocol.UDP), (80, Protocol.SCTP), (85, Protocol.TCP)];

    [Fact]
    public void FastEngineAgreesWithNaiveEvaluator()
    {
        // CsCheck drives the seed; a failure prints it, and new RandomCluster(seed) reproduces the cluster.
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var cluster = new RandomCluster(seed).Generate();
            var engine = PolicyEngine.Build(cluster);
            var naive = NaiveEvaluator.Build(cluster);
            var ends = cluster.Pods.Select(NetEndpoint.Of).ToList();
            var outside = RandomCluster.OutsideIps.Select(ip => NetEndpoint.Of(IPAddress.Parse(ip))).ToList();
            foreach (var (port, proto) in Probes)
            {
                long allowed = 0;
                foreach (var a in ends)
                    foreach (var b in ends)
                    {
                        var n = naive.Reach(a, b, port, proto);
                        var f = engine.Reach(a, b, port, proto);
                        if (n.Allowed) allowed++;
                        if (f.Allowed != n.Allowed || f.Egress.Allowed != n.EgressAllowed || f.Ingress.Allowed != n.IngressAllowed)
                            throw new Exception($"seed {seed}: {a}->{b} {port}/{proto}: naive {n}, fast {f.Reason}");
                    }
                foreach (var a in ends)
                    foreach (var o in outside)
                    {
                        foreach (var (x, y) in new[] { (a, o), (o, a) })
                        {
                            var n = naive.Reach(x, y, port, proto);
                            var f = engine.Reach(x, y, port, proto);
                            if (f.Allowed != n.Allowed || f.Egress.Allowed != n.EgressAllowed || f.Ingress.Allowed != n.IngressAllowed)
                                throw new Exception($"seed {seed}: {x}->{y} {port}/{proto}: naive {n}, fast {f.Reason}");
                        }
                    }
                var counts = engine.MatrixCounts(port, proto);
                if (counts.Allowed != allowed || counts.Pods != ends.Count)
                    throw new Exception($"seed {seed}: {port}/{proto}: counts {counts.Allowed}, naive {allowed}");
                foreach (var cell in engine.Matrix(port, proto))
                    if (cell.Allowed != naive.Reach(NetEndpoint.Of(cell.From), NetEndpoint.Of(cell.To), port, proto).Allowed)
                        throw new Exception($"seed {seed}: matrix {cell.From.Key}->{cell.To.Key} {port}/{proto}");
            }
        }, iter: 400);
    }
}
