using Podwire.Cni;

// VERSION may come with no stdin at all; a terminal stdin is treated as empty.
var stdin = Console.IsInputRedirected ? Console.In.ReadToEnd() : "";
var (stdout, code) = CniMain.Run(CniMain.InvokedAs(), Environment.GetEnvironmentVariable, stdin);
if (stdout.Length > 0)
{
    Console.Out.Write(stdout);
    Console.Out.Write('\n');
}
return code;
