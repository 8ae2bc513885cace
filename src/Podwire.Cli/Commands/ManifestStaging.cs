using System.CommandLine;
using System.Diagnostics;
using Podwire.Lab;
using Podwire.Lab.Daemon;
using Podwire.Lab.Topology;

namespace Podwire.Cli.Commands;

/// <summary>The inputs of -f copied into a lab's folder, so the daemon (and get/apply) read the same files.</summary>
public static class ManifestStaging
{
    /// <summary>Copies the inputs of -f into the lab's manifest folder so the daemon (and get/apply) read the same files.</summary>
    public static void StageManifests(IReadOnlyList<string> inputs, string target)
    {
        if (Directory.Exists(target)) Directory.Delete(target, true);
        Directory.CreateDirectory(target);
        int i = 0;
        foreach (var input in inputs)
        {
            string prefix = $"{i++:D2}-";
            if (input == "-")
                File.WriteAllText(Path.Combine(target, prefix + "stdin.yaml"), Console.In.ReadToEnd());
            else if (Directory.Exists(input))
                foreach (var f in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                             .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase)))
                {
                    var rel = Path.GetRelativePath(input, f).Replace('/', '_');
                    File.Copy(f, Path.Combine(target, prefix + rel));
                }
            else
                File.Copy(input, Path.Combine(target, prefix + Path.GetFileName(input)));
        }
    }
}
