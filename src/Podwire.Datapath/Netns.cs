using System.Runtime.InteropServices;

namespace Podwire.Datapath;

/// <summary>
/// Named network namespaces as iproute2 keeps them (bind mounts under /run/netns), and entering
/// one from the current thread with setns(2) so a socket can be opened inside it.
/// </summary>
public static partial class Netns
{
    public const string Dir = "/run/netns";

    public static string PathOf(string name) => Path.Combine(Dir, name);

    public static bool Exists(string name) => File.Exists(PathOf(name));

    public static IReadOnlyList<string> List(string prefix) =>
        Directory.Exists(Dir)
            ? Directory.GetFiles(Dir).Select(Path.GetFileName).Where(n => n!.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n!).Order(StringComparer.Ordinal).ToList()
            : [];

    private const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    /// <summary>
    /// Runs <paramref name="action"/> on a dedicated thread inside the named namespace. Sockets
    /// created there stay in that namespace after the thread leaves, which lets one process serve
    /// every pod. The thread is discarded afterwards so no pool thread is left in a pod's netns.
    /// </summary>
    public static T RunIn<T>(string name, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(PathOf(name), FileMode.Open, FileAccess.Read);
                if (setns((int)ns.DangerousGetHandle(), CLONE_NEWNET) != 0)
                    throw new DatapathException($"setns({name}) failed: errno {Marshal.GetLastPInvokeError()}");
                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        t.Start();
        t.Join();
        if (error is not null) throw error is DatapathException ? error : new DatapathException($"in netns {name}: {error.Message}");
        return result;
    }
}
