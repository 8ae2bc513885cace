using System.Net;
using Podwire.Datapath;
using Podwire.Model.Net;

namespace Podwire.Cni.Ipam;

/// <summary>One allocation: the address and the attachment holding it.</summary>
public sealed record IpamLease(IPAddress Address, string ContainerId, string IfName);

/// <summary>
/// The on-disk store, laid out like host-local's: one file per allocated address, named by the
/// address and holding "containerID\nifname", plus <c>last_reserved_ip.0</c> so allocation walks
/// round-robin instead of reusing a just-freed address. Every method must run inside
/// <see cref="Lock"/>: parallel ADDs from different containers queue on that flock.
/// </summary>
public sealed class IpamStore(string dir)
{
    private const string LastReserved = "last_reserved_ip.0";
    public string Dir { get; } = dir;

    public FileLock Lock()
    {
        Directory.CreateDirectory(Dir);
        return FileLock.Acquire(Path.Combine(Dir, "lock"));
    }

    /// <summary>Every lease, ordered by address (deterministic).</summary>
    public List<IpamLease> Leases()
    {
        var list = new List<IpamLease>();
        if (!Directory.Exists(Dir)) return list;
        foreach (var path in Directory.EnumerateFiles(Dir))
        {
            var name = Path.GetFileName(path);
            if (!IPAddress.TryParse(name, out var ip)) continue;
            string text;
            try { text = File.ReadAllText(path); }
            catch (FileNotFoundException) { continue; }
            var lines = text.Split('\n');
            list.Add(new IpamLease(ip, lines[0].TrimEnd('\r').Trim(), lines.Length > 1 ? lines[1].TrimEnd('\r').Trim() : ""));
        }
        list.Sort((a, b) => IpMath.Compare(a.Address, b.Address));
        return list;
    }

    public IpamLease? Holder(IPAddress ip)
    {
        var path = FileOf(ip);
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllText(path).Split('\n');
        return new IpamLease(ip, lines[0].TrimEnd('\r').Trim(), lines.Length > 1 ? lines[1].TrimEnd('\r').Trim() : "");
    }

    /// <summary>Writes the lease file; false when the address is already taken.</summary>
    public bool TryReserve(IPAddress ip, string containerId, string ifName)
    {
        try
        {
            using var f = new FileStream(FileOf(ip), FileMode.CreateNew, FileAccess.Write);
            f.Write(System.Text.Encoding.UTF8.GetBytes(containerId + "\n" + ifName));
            f.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(FileOf(ip)))
        {
            return false;
        }
        File.WriteAllText(Path.Combine(Dir, LastReserved), ip.ToString());
        return true;
    }

    public IPAddress? LastReservedAddress()
    {
        var path = Path.Combine(Dir, LastReserved);
        return File.Exists(path) && IPAddress.TryParse(File.ReadAllText(path).Trim(), out var ip) ? ip : null;
    }

    public void Release(IPAddress ip)
    {
        var path = FileOf(ip);
        if (File.Exists(path)) File.Delete(path);
    }

    private string FileOf(IPAddress ip) => Path.Combine(Dir, ip.ToString());
}
