using System.Runtime.InteropServices;

namespace Podwire.Datapath;

/// <summary>
/// nft without a process: libnftables (the library the nft command is a thin shell around) run
/// in this process, inside one network namespace. Each command runs on a short-lived thread that
/// has entered the namespace (<see cref="Netns.RunIn{T}"/>), so whether libnftables opens its
/// netlink socket at creation or lazily, it is always the namespace's. Why: a small <c>nft -f</c>
/// (a chain and its rules) costs 5 ms as a process, most of it fork/exec and loading libraries,
/// far more on a busy machine; in-process it is the kernel round trip. Same syntax, same errors.
/// Not thread-safe: callers serialize per instance.
/// </summary>
public sealed partial class NftLibrary : IDisposable
{
    private const string Lib = "libnftables.so.1";

    [LibraryImport(Lib)]
    private static partial nint nft_ctx_new(uint flags);

    [LibraryImport(Lib)]
    private static partial void nft_ctx_free(nint ctx);

    [LibraryImport(Lib)]
    private static partial int nft_ctx_buffer_output(nint ctx);

    [LibraryImport(Lib)]
    private static partial int nft_ctx_buffer_error(nint ctx);

    [LibraryImport(Lib)]
    private static partial nint nft_ctx_get_output_buffer(nint ctx);

    [LibraryImport(Lib)]
    private static partial nint nft_ctx_get_error_buffer(nint ctx);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int nft_run_cmd_from_buffer(nint ctx, string buffer);

    private static readonly Lazy<bool> Loadable = new(() =>
        NativeLibrary.TryLoad(Lib, typeof(NftLibrary).Assembly, null, out _));

    private readonly Lock _gate = new();
    private nint _ctx;

    public string Netns { get; }

    private NftLibrary(nint ctx, string netns)
    {
        _ctx = ctx;
        Netns = netns;
    }

    /// <summary>True when libnftables can be loaded here (else use the nft command).</summary>
    public static bool Available => Loadable.Value;

    /// <summary>A context bound to the named namespace; null when libnftables is not available.</summary>
    public static NftLibrary? TryOpen(string netns)
    {
        if (!Available) return null;
        var ctx = Datapath.Netns.RunIn(netns, () =>
        {
            var c = nft_ctx_new(0);
            if (c == 0) throw new DatapathException("nft_ctx_new failed");
            nft_ctx_buffer_output(c);
            nft_ctx_buffer_error(c);
            return c;
        });
        return new NftLibrary(ctx, netns);
    }

    /// <summary>Runs <paramref name="commands"/> (nft syntax, as for <c>nft -f</c>: one transaction) and returns what nft would print.</summary>
    public CommandResult Run(string commands)
    {
        lock (_gate)
        {
            if (_ctx == 0) return new CommandResult(1, "", "nft context is closed");
            var ctx = _ctx;
            return Datapath.Netns.RunIn(Netns, () =>
            {
                int rc = nft_run_cmd_from_buffer(ctx, commands);
                // The buffers hold what this command printed; reading them also resets them.
                string stdout = Marshal.PtrToStringUTF8(nft_ctx_get_output_buffer(ctx)) ?? "";
                string stderr = Marshal.PtrToStringUTF8(nft_ctx_get_error_buffer(ctx)) ?? "";
                return new CommandResult(rc == 0 ? 0 : 1, stdout, stderr);
            });
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_ctx == 0) return;
            nft_ctx_free(_ctx);
            _ctx = 0;
        }
    }
}
