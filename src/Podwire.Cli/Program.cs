using System.CommandLine;
using Podwire.Cli.Commands;

namespace Podwire.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the CLI with explicit writers (tests call this in-process).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "Podwire: Kubernetes networking, analysed and built for real.\n\n" +
            "Load manifests with -f and ask what the cluster's network does: Services and their\n" +
            "endpoints, DNS answers, Ingress routes. Run 'podwire demo' for a tour of the bundled example.");
        CliOptions.AddGlobal(root);
        var ctx = new CommandContext(stdout, stderr);
        root.Subcommands.Add(ValidateCommand.Create(ctx));
        root.Subcommands.Add(GetCommand.Create(ctx));
        root.Subcommands.Add(ResolveCommand.Create(ctx));
        root.Subcommands.Add(DnsCommand.Create(ctx));
        root.Subcommands.Add(RouteCommand.Create(ctx));
        root.Subcommands.Add(DemoCommand.Create(ctx));
        root.Subcommands.Add(ReachCommand.Create(ctx));
        root.Subcommands.Add(MatrixCommand.Create(ctx));
        root.Subcommands.Add(ExplainCommand.Create(ctx));
        root.Subcommands.Add(DiffCommand.Create(ctx));
        root.Subcommands.Add(LintCommand.Create(ctx));
        root.Subcommands.Add(VerifyCommand.Create(ctx));
        root.Subcommands.Add(TraceCommand.Create(ctx));
        foreach (var c in LabCommands.Create(ctx)) root.Subcommands.Add(c);
        root.Subcommands.Add(PortForwardCommand.Create(ctx));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine("Run 'podwire --help' (or 'podwire COMMAND --help') for usage.");
            return ExitCodes.InvalidInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (CliException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}

/// <summary>Where a command writes; injected so tests can run commands in-process.</summary>
public sealed record CommandContext(TextWriter Out, TextWriter Err);
