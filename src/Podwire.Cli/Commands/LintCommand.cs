using System.CommandLine;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire lint -f P</c>: legal policies that are probably not what was meant.</summary>
public static class LintCommand
{
    public static Command Create(CommandContext ctx)
    {
        var cmd = new Command("lint",
            "Look for policy mistakes the API server accepts: NetworkPolicies that select no pod, peers\n" +
            "that match no pod, rules shadowed by another rule of the same policy, named ports that no\n" +
            "destination pod defines, ipBlocks that overlap the pod network (they match pods too), and\n" +
            "AdminNetworkPolicies of equal priority selecting the same pods (undefined order).\n\n" +
            "Prints one warning per line (warning: FILE:LINE: OBJECT: ...) and exits 1, or \"ok\" and exits 0.\n\n" +
            "Examples:\n  podwire lint -f examples/\n  podwire lint -f cluster.yaml -f policies/");
        cmd.Options.Add(CliOptions.Files);
        cmd.SetAction(pr =>
        {
            var engine = PolicyFlags.Build(pr, ctx.Err);
            var warnings = LintChecks.Run(engine);
            if (warnings.Count == 0) { ctx.Out.WriteLine("ok"); return ExitCodes.Ok; }
            foreach (var w in warnings) ctx.Out.WriteLine(w.ToString());
            return ExitCodes.Failed;
        });
        return cmd;
    }
}
