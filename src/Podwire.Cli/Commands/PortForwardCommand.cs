using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Podwire.Datapath;
using Podwire.Lab;
using Podwire.Lab.Daemon;
using Podwire.Lab.Topology;

namespace Podwire.Cli.Commands;

/// <summary>
/// <c>podwire port-forward [NS/SVC] LOCAL:REMOTE</c>: a Service of the running lab on 127.0.0.1 of
/// the host. Each accepted connection is relayed to the Service's ClusterIP from inside a node's
/// namespace, so it goes through the lab's own service proxy, as kubectl's would go through the API
/// server. Only loopback on the host side; only the lab's namespaces on the other.
/// </summary>
public static class PortForwardCommand
{
    public const string DefaultService = "podwire-system/ingress";

    public static Command Create(CommandContext ctx)
    {
        var cluster = LabSelection.ClusterOption();
        var service = new Argument<string>("NS/SVC") { Description = $"The Service (default {DefaultService}).", Arity = ArgumentArity.ZeroOrOne };
        // Both optional to the parser (one word fills the first argument); checked below.
        var ports = new Argument<string>("LOCAL:REMOTE") { Description = "Local port on 127.0.0.1, and the Service port.", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("port-forward",
            "Expose a Service of the running lab on 127.0.0.1 of this machine until interrupted (Ctrl-C).\n\n" +
            "Examples:\n  sudo ./podwire port-forward shop/web 8080:80\n  sudo ./podwire port-forward 8443:443 --cluster demo");
        cmd.Arguments.Add(service);
        cmd.Arguments.Add(ports);
        cmd.Options.Add(cluster);
        cmd.SetAction(async (pr, token) =>
        {
            LabSelection.RequireRoot();
            // One argument means LOCAL:REMOTE for the default Service.
            var first = pr.GetValue(service);
            var second = pr.GetValue(ports);
            if (first is null) throw new CliException("LOCAL:REMOTE is required, e.g. 'podwire port-forward 8080:80'");
            (string svcText, string portText) = second is null ? (DefaultService, first!) : (first ?? DefaultService, second);
            var (ns, name) = CliOptions.NsName("NS/SVC", svcText);
            var parts = portText.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int local) || !int.TryParse(parts[1], out int remote) || local is < 1 or > 65535 || remote is < 1 or > 65535)
                throw new CliException($"LOCAL:REMOTE: Invalid value: \"{portText}\": expected two port numbers, e.g. 8080:80");
            var lab = LabSelection.Resolve(pr.GetValue(cluster));
            var paths = new LabPaths(lab);
            if (LabDaemonProcess.DaemonPid(paths) is null) throw new CliException($"lab \"{lab}\" is not running", ExitCodes.Failed);
            var (derived, _) = LabCluster.Load(LabState.Load(paths.StateFile), paths.ManifestDir);
            var svc = derived?.FindService(ns, name) ?? throw new CliException($"service \"{ns}/{name}\" not found in lab \"{lab}\"", ExitCodes.Failed);
            if (svc.ClusterIP is null || svc.IsHeadless || !IPAddress.TryParse(svc.ClusterIP, out var vip))
                throw new CliException($"service \"{ns}/{name}\" has no ClusterIP to forward to", ExitCodes.Failed);
            if (!svc.Ports.Any(p => p.Port == remote && p.Protocol == Model.Protocol.TCP))
                throw new CliException($"service \"{ns}/{name}\" has no TCP port {remote}", ExitCodes.Failed);
            var node = derived!.Nodes.FirstOrDefault() ?? throw new CliException("the lab has no nodes", ExitCodes.Failed);
            var netns = new LabNames(lab).NodeNetns(node.Name);

            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, local));
            listener.Listen(64);
            ctx.Out.WriteLine($"Forwarding from 127.0.0.1:{local} -> {ns}/{name} {svc.ClusterIP}:{remote} (via node {node.Name})");
            ctx.Out.Flush();
            while (!token.IsCancellationRequested)
            {
                Socket client;
                try { client = await listener.AcceptAsync(token); }
                catch (OperationCanceledException) { break; }
                _ = Task.Run(() => Relay(client, netns, new IPEndPoint(vip, remote), ctx.Err, token), token);
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static async Task Relay(Socket client, string netns, IPEndPoint target, TextWriter log, CancellationToken token)
    {
        using (client)
        {
            Socket upstream;
            try
            {
                // The socket is created inside the node's namespace and stays there.
                upstream = Netns.RunIn(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                await upstream.ConnectAsync(target, token);
            }
            catch (Exception e) when (e is SocketException or DatapathException or OperationCanceledException)
            {
                log.WriteLine($"port-forward: cannot reach {target}: {e.Message}");
                return;
            }
            using (upstream)
            {
                using var a = new NetworkStream(client, ownsSocket: false);
                using var b = new NetworkStream(upstream, ownsSocket: false);
                var up = Pump(a, b, upstream, token);
                var down = Pump(b, a, client, token);
                await Task.WhenAll(up, down);
            }
        }
    }

    private static async Task Pump(NetworkStream from, NetworkStream to, Socket toSocket, CancellationToken token)
    {
        try
        {
            await from.CopyToAsync(to, 64 * 1024, token);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }
}
