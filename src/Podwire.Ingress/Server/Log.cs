namespace Podwire.Ingress.Server;

/// <summary>
/// The controller's own log: one line per event on stdout, timestamped. Kept apart from
/// ASP.NET logging (left at warnings) so the request path never formats a log message.
/// </summary>
public static class Log
{
    private static readonly Lock Gate = new();

    public static void Info(string message) => Write("info", message);
    public static void Warn(string message) => Write("warn", message);
    public static void Error(string message) => Write("error", message);

    private static void Write(string level, string message)
    {
        // One physical line per event: embedded newlines (from hostile input) cannot fake entries.
        var line = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {message.Replace("\r", "\\r").Replace("\n", "\\n")}";
        lock (Gate) Console.Out.WriteLine(line);
    }
}
