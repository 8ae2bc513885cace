using System.Net;
using System.Net.Sockets;
using Podwire.Datapath;
using Podwire.Model;

namespace Podwire.Lab.Probe;

/// <summary>
/// The lab's built-in workload: one in-process server answering on every declared container port
/// of every pod, each socket opened inside its pod's network namespace.
/// <para>
/// Design note. A process per pod would cost ~30 MB each (500 pods: 15 GB); one process whose
/// sockets were created on a thread that setns()'d into the pod's namespace costs a socket each.
/// A socket keeps the namespace it was created in, so accept/receive can run anywhere, on the
/// shared async I/O engine: no thread per pod, port or connection. Each port gets one dual-stack
/// socket ([::] with IPV6_V6ONLY off), which also serves IPv4 as 0.0.0.0 would; where the kernel
/// has no IPv6 it falls back to a 0.0.0.0 socket. TCP ports speak HTTP/1.1 like agnhost's
/// netexec (see <see cref="ProbeResponses"/>); UDP ports answer "hostname" or echo; SCTP stream
/// sockets speak the same HTTP where the kernel has SCTP. Where it has none, as on the lab
/// machines, every pod gets an <see cref="SctpResponder"/> instead: raw sockets that answer an
/// association's first packet as a kernel would, so SCTP reachability can still be probed. Replies to UDP leave from the address the kernel picks for
/// the route back, which is the pod's address for single-address pods.
/// </para>
/// </summary>
public sealed class ProbeServer : IAsyncDisposable, IDisposable
{
    private const ProtocolType Sctp = (ProtocolType)SctpResponder.SctpProtocol;

    private readonly TextWriter _log;
    private readonly Dictionary<(string Namespace, string Name), ProbePod> _pods = [];
    private readonly Lock _gate = new();
    private int _sctpUnavailableLogged;
    private bool _disposed;

    public ProbeServer(TextWriter? log = null, TimeSpan? idleTimeout = null)
    {
        _log = log is null ? TextWriter.Null : TextWriter.Synchronized(log);
        IdleTimeout = idleTimeout ?? TimeSpan.FromMinutes(2);
    }

    /// <summary>A keep-alive connection with no request for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; }

    public int PodCount
    {
        get { lock (_gate) return _pods.Count; }
    }

    public int ListenerCount
    {
        get
        {
            lock (_gate)
            {
                var n = 0;
                foreach (var p in _pods.Values) n += p.ListenerCount;
                return n;
            }
        }
    }

    /// <summary>
    /// Opens the pod's sockets (in one visit to its namespace) and starts serving them. A pod
    /// already served is replaced. A port that cannot be opened (in use, no SCTP) is reported in
    /// <see cref="ProbePodResult.Skipped"/> and never fails the pod; a missing namespace throws
    /// <see cref="DatapathException"/>.
    /// </summary>
    public ProbePodResult AddPod(ProbeTarget target)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        RemovePod(target.Namespace, target.Name);

        var ports = Distinct(target.Ports);
        var (listeners, responder, skipped) = Netns.RunIn(target.Netns, () => OpenAll(ports, target));
        var pod = new ProbePod(target, listeners, responder, _log, IdleTimeout);
        var listening = new List<(int, Protocol)>(listeners.Count);
        foreach (var (_, protocol, port) in listeners) listening.Add((port, protocol));
        if (responder is not null)
            foreach (var (port, protocol) in ports)
                if (protocol == Protocol.SCTP) listening.Add((port, protocol));
        foreach (var (port, protocol, reason) in skipped)
            if (!(protocol == Protocol.SCTP && reason == SctpUnavailable))
                _log.WriteLine($"probe: {target.Namespace}/{target.Name} {protocol} {port} not served: {reason}");
        lock (_gate)
        {
            if (_disposed)
            {
                pod.Close();
                throw new ObjectDisposedException(nameof(ProbeServer));
            }
            _pods[(target.Namespace, target.Name)] = pod;
        }
        pod.Start();
        return new ProbePodResult(listening, skipped);
    }

    /// <summary>Closes every socket of the pod, open connections included. False if it was not served.</summary>
    public bool RemovePod(string ns, string name)
    {
        ProbePod? pod;
        lock (_gate)
        {
            if (!_pods.Remove((ns, name), out pod)) return false;
        }
        pod.Close();
        return true;
    }

    public IReadOnlyList<(string Namespace, string Name)> Pods
    {
        get
        {
            lock (_gate)
            {
                var list = new List<(string, string)>(_pods.Keys);
                list.Sort((a, b) => a.CompareTo(b));
                return list;
            }
        }
    }

    public void Dispose() => CloseAll();

    public async ValueTask DisposeAsync()
    {
        var loops = CloseAll();
        await loops.ConfigureAwait(false);
    }

    private Task CloseAll()
    {
        ProbePod[] pods;
        lock (_gate)
        {
            _disposed = true;
            pods = [.. _pods.Values];
            _pods.Clear();
        }
        var tasks = new Task[pods.Length];
        for (var i = 0; i < pods.Length; i++) tasks[i] = pods[i].Close();
        return Task.WhenAll(tasks);
    }

    private const string SctpUnavailable = "SCTP sockets are not available in this kernel";

    private static List<(int, Protocol)> Distinct(IReadOnlyList<(int Port, Protocol Protocol)> ports)
    {
        var seen = new HashSet<(int, Protocol)>();
        var list = new List<(int, Protocol)>(ports.Count);
        foreach (var p in ports)
            if (seen.Add(p)) list.Add(p);
        return list;
    }

    // Runs inside the pod's namespace: everything created here belongs to it.
    private (List<(Socket, Protocol, int)> Listeners, SctpResponder? Responder, List<(int, Protocol, string)> Skipped) OpenAll(
        List<(int Port, Protocol Protocol)> ports, ProbeTarget pod)
    {
        var listeners = new List<(Socket, Protocol, int)>(ports.Count);
        var skipped = new List<(int, Protocol, string)>();
        SctpResponder? responder = null;
        if (!SctpResponder.KernelHasSctpSockets)
        {
            var sctpPorts = new List<int>();
            foreach (var (port, protocol) in ports)
                if (protocol == Protocol.SCTP) sctpPorts.Add(port);
            // Every pod answers SCTP, not only those declaring it: an INIT to an undeclared port gets
            // the ABORT a kernel would send, which tells a probe the packet arrived.
            responder = SctpResponder.Open(sctpPorts, _log, $"{pod.Namespace}/{pod.Name}", pod.Name);
            if (Interlocked.Exchange(ref _sctpUnavailableLogged, 1) == 0)
                _log.WriteLine(responder is null
                    ? $"probe: {SctpUnavailable} and raw sockets cannot be opened; SCTP ports are not served"
                    : $"probe: {SctpUnavailable}; raw-socket responders answer SCTP INIT with INIT ACK or ABORT");
            if (responder is null)
                foreach (var p in sctpPorts) skipped.Add((p, Protocol.SCTP, SctpUnavailable));
        }
        foreach (var (port, protocol) in ports)
        {
            if (protocol == Protocol.SCTP && !SctpResponder.KernelHasSctpSockets) continue;
            var socket = Open(port, protocol, out var reason);
            if (socket is null) skipped.Add((port, protocol, reason!));
            else listeners.Add((socket, protocol, port));
        }
        return (listeners, responder, skipped);
    }

    private static Socket? Open(int port, Protocol protocol, out string? reason)
    {
        var (type, proto) = protocol switch
        {
            Protocol.UDP => (SocketType.Dgram, ProtocolType.Udp),
            Protocol.SCTP => (SocketType.Stream, Sctp),
            _ => (SocketType.Stream, ProtocolType.Tcp),
        };
        var socket = TryBind(AddressFamily.InterNetworkV6, type, proto, port, out var error)
            ?? (error is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable
                ? TryBind(AddressFamily.InterNetwork, type, proto, port, out error)
                : null);
        reason = socket is not null ? null
            : error is SocketError.ProtocolNotSupported or SocketError.SocketNotSupported or SocketError.ProtocolType && protocol == Protocol.SCTP
                ? SctpUnavailable
                : error.ToString();
        return socket;
    }

    private static Socket? TryBind(AddressFamily family, SocketType type, ProtocolType proto, int port, out SocketError error)
    {
        Socket? s = null;
        try
        {
            // .NET names no SCTP socket (its protocol table stops short), so SCTP goes through socket(2).
            s = proto == Sctp ? NativeSocket.Open(family, type, SctpResponder.SctpProtocol) : new Socket(family, type, proto);
            if (family == AddressFamily.InterNetworkV6) s.DualMode = true;
            // Lets a pod be re-added at once while old connections linger in TIME_WAIT.
            if (type == SocketType.Stream) s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            if (type == SocketType.Stream) s.Listen(512);
            error = SocketError.Success;
            return s;
        }
        catch (SocketException e)
        {
            s?.Dispose();
            error = e.SocketErrorCode;
            return null;
        }
    }
}
