namespace Podwire.Cni;

/// <summary>The CNI_* environment of one plugin call, validated per operation as SPECS 5 requires.</summary>
public sealed record CniEnv(
    string Command,
    string? ContainerId,
    string? Netns,
    string? IfName,
    IReadOnlyList<KeyValuePair<string, string>> Args,
    IReadOnlyList<string> Path)
{
    public static readonly IReadOnlyList<string> Commands = ["ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION"];

    /// <summary>Reads and validates the variables; the error names every missing or invalid one.</summary>
    public static CniEnv? Read(Func<string, string?> get, out CniError? error)
    {
        error = null;
        var command = get("CNI_COMMAND") ?? "";
        if (command.Length == 0)
        {
            error = new CniError(CniCodes.InvalidEnvironment, "required env variables [CNI_COMMAND] missing");
            return null;
        }
        if (!Commands.Contains(command))
        {
            error = new CniError(CniCodes.InvalidEnvironment, $"unknown CNI_COMMAND: {command}");
            return null;
        }

        string[] required = command switch
        {
            "ADD" or "CHECK" => ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
            "DEL" => ["CNI_CONTAINERID", "CNI_IFNAME"],
            "GC" => ["CNI_PATH"],
            _ => [],
        };
        var missing = new List<string>();
        foreach (var name in required)
            if (string.IsNullOrEmpty(get(name))) missing.Add(name);
        if (missing.Count > 0)
        {
            error = new CniError(CniCodes.InvalidEnvironment, $"required env variables [{string.Join(",", missing)}] missing");
            return null;
        }

        var id = NullIfEmpty(get("CNI_CONTAINERID"));
        if (id is not null && !Names.IsValidIdentifier(id))
        {
            error = new CniError(CniCodes.InvalidEnvironment, $"invalid CNI_CONTAINERID \"{id}\": must start alphanumeric, then [A-Za-z0-9_.-]");
            return null;
        }
        var ifname = NullIfEmpty(get("CNI_IFNAME"));
        if (ifname is not null && !Names.IsValidIfName(ifname))
        {
            error = new CniError(CniCodes.InvalidEnvironment, $"invalid CNI_IFNAME \"{ifname}\": 1-15 characters, no '/', ':' or whitespace");
            return null;
        }
        var args = ParseArgs(get("CNI_ARGS") ?? "", out var argsProblem);
        if (argsProblem is not null)
        {
            error = new CniError(CniCodes.InvalidEnvironment, $"invalid CNI_ARGS: {argsProblem}");
            return null;
        }
        var path = (get("CNI_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return new CniEnv(command, id, NullIfEmpty(get("CNI_NETNS")), ifname, args, path);
    }

    public static CniEnv? FromProcess(out CniError? error) => Read(Environment.GetEnvironmentVariable, out error);

    /// <summary>"K=V;K2=V2" → pairs, in order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseArgs(string text, out string? problem)
    {
        problem = null;
        var list = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0)
            {
                problem = $"\"{part}\" is not K=V";
                return [];
            }
            list.Add(new(part[..eq], part[(eq + 1)..]));
        }
        return list;
    }

    public string? Arg(string key)
    {
        foreach (var (k, v) in Args)
            if (k == key) return v;
        return null;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
