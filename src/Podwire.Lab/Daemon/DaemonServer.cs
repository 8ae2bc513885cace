using System.Net.Sockets;
using System.Text;

namespace Podwire.Lab.Daemon;

/// <summary>
/// The daemon's socket: accepts the CLI's connections on the lab's Unix socket, reads one
/// <see cref="LabRequest"/> per connection and writes its answer. Every failure becomes an
/// {"error": "..."} line naming what failed: the CLI never sees a connection closed without an answer.
/// </summary>
public sealed class DaemonServer(LabPaths paths, LabDaemon daemon, TextWriter log)
{
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;

    public void Listen()
    {
        if (File.Exists(paths.Socket)) File.Delete(paths.Socket);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(paths.Socket));
        _listener.Listen(16);
    }

    /// <summary>Serves until <see cref="Stop"/>.</summary>
    public void Serve()
    {
        var accept = Task.Run(AcceptLoop);
        try { accept.Wait(_stop.Token); }
        catch (OperationCanceledException) { }
        _listener?.Dispose();
    }

    public void Stop() => _stop.Cancel();

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = _listener!.Accept(); }
            catch (SocketException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(() => Handle(client));
        }
    }

    private void Handle(Socket client)
    {
        using (client)
        using (var stream = new NetworkStream(client, ownsSocket: false))
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" })
        {
            void Send(string line)
            {
                try { writer.WriteLine(line); }
                catch (IOException) { } // the CLI went away; the work goes on
            }
            string? line;
            try { line = reader.ReadLine(); }
            catch (IOException) { return; }
            if (line is null) return;
            var request = LabRequest.Parse(line, out var error);
            if (request is null) { Send(LabProtocol.Error(error!)); return; }
            try
            {
                switch (request)
                {
                    case LabRequest.WaitReady:
                        var (phase, failure) = daemon.Phase.FollowBuild(p => Send(LabProtocol.Progress(p)));
                        Send(phase == LabPhase.Failed ? LabProtocol.Error(failure ?? "the lab failed to build") : LabProtocol.Message(daemon.Status().Write));
                        break;
                    case LabRequest.Status:
                        Send(LabProtocol.Message(daemon.Status().Write));
                        break;
                    case LabRequest.Apply a:
                        if (!InStateFolder(a.Staged)) { Send(LabProtocol.Error($"apply: {a.Staged} is not inside the lab's state folder {paths.Root}")); break; }
                        var reply = daemon.Apply(a.Staged, a.Nodes, p => Send(LabProtocol.Progress(p)));
                        Send(LabProtocol.Message(reply.Write));
                        break;
                    case LabRequest.Shutdown:
                        int n = daemon.Shutdown(p => Send(LabProtocol.Progress(p)));
                        Send(LabProtocol.Message(m => { m.WriteBoolean("ok", true); m.WriteNumber("namespaces", n); }));
                        break;
                }
            }
            catch (ConvergenceException e) { Send(LabProtocol.Error(e.Message)); }
            catch (InvalidManifestsException e) { Send(LabProtocol.Invalid(e.Message, e.Problems)); }
            catch (Exception e)
            {
                // Anything else is a bug, but the CLI still gets a sentence, and the log the stack.
                log.WriteLine($"{request.Op} failed: {e}");
                Send(LabProtocol.Error($"{request.Op} failed: {e.GetType().Name}: {e.Message} (details in {paths.LogFile})"));
            }
        }
    }

    private bool InStateFolder(string dir)
    {
        var full = Path.GetFullPath(dir);
        var root = Path.GetFullPath(paths.Root) + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal) && Directory.Exists(full);
    }
}
