using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Podwire.Ingress.Tests.Harness;

/// <summary>
/// A pod stand-in: a Kestrel server on 127.0.0.1 that answers every request with one line
/// naming itself and what it received, and echoes WebSocket messages on /ws.
/// </summary>
public sealed class Backend : IAsyncDisposable
{
    private readonly WebApplication _app;
    public string Name { get; }
    public int Port { get; private set; }

    private Backend(string name, WebApplication app) { Name = name; _app = app; }

    public static async Task<Backend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(async ctx =>
        {
            if (ctx.WebSockets.IsWebSocketRequest)
            {
                using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[4096];
                while (true)
                {
                    var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
                    if (r.MessageType == WebSocketMessageType.Close) { await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None); return; }
                    var reply = System.Text.Encoding.UTF8.GetBytes($"{name} echo: " + System.Text.Encoding.UTF8.GetString(buffer, 0, r.Count));
                    await ws.SendAsync(reply, WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
            if (ctx.Request.Path.StartsWithSegments("/slow")) await Task.Delay(1500);
            var h = ctx.Request.Headers;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync(
                $"backend={name} path={ctx.Request.Path}{ctx.Request.QueryString} host={h.Host} xff={h["X-Forwarded-For"]} proto={h["X-Forwarded-Proto"]} xhost={h["X-Forwarded-Host"]}\n");
        });
        var backend = new Backend(name, app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
