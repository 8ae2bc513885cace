namespace Podwire.Cli.Commands;

/// <summary>
/// The programs and libraries the lab drives, and the Debian package of each: checked before a
/// lab is built, so a machine without them gets a sentence naming what to install rather than a
/// daemon that dies on its first nft call.
/// </summary>
public static class LabTools
{
    public sealed record Tool(string Name, string Package)
    {
        public override string ToString() => Name;
    }

    private static readonly (Tool Tool, Func<bool> Present)[] Needed =
    [
        (new Tool("ip", "iproute2"), () => OnPath("ip")),
        (new Tool("bridge", "iproute2"), () => OnPath("bridge")),
        (new Tool("nft", "nftables"), () => OnPath("nft")),
        (new Tool("libnftables", "libnftables1"), () => Podwire.Datapath.NftLibrary.Available),
    ];

    public static IReadOnlyList<Tool> Missing() => [.. Needed.Where(n => !n.Present()).Select(n => n.Tool)];

    private static bool OnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
                     .Concat(["/usr/sbin", "/sbin"]))
            if (File.Exists(Path.Combine(dir, program))) return true;
        return false;
    }
}
