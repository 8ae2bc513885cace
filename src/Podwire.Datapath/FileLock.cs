using System.Runtime.InteropServices;

namespace Podwire.Datapath;

/// <summary>
/// An exclusive advisory lock (flock(2)) on a lock file, held until disposed. Unlike .NET's
/// FileShare.None, which fails at once when another process holds the file, this waits for the
/// holder: parallel CNI ADDs must queue on the IPAM store, not fail.
/// </summary>
public sealed partial class FileLock : IDisposable
{
    private const int LOCK_EX = 2;
    private const int LOCK_UN = 8;
    private const int EINTR = 4;

    private const int O_RDWR = 2;
    private const int O_CREAT = 0x40;
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    // A raw descriptor: .NET's FileStream takes its own shared flock on open, which would turn
    // ours into a lock conversion.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open_(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    private int _fd;

    private FileLock(int fd) => _fd = fd;

    /// <summary>Opens (creating if needed) <paramref name="path"/> and blocks until the lock is held.</summary>
    public static FileLock Acquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var fd = open_(path, O_RDWR | O_CREAT | O_CLOEXEC, 0x1A4 /* 0644 */);
        if (fd < 0) throw new DatapathException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        while (flock(fd, LOCK_EX) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            close(fd);
            throw new DatapathException($"flock({path}) failed: errno {errno}");
        }
        return new FileLock(fd);
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        flock(_fd, LOCK_UN);
        close(_fd);
        _fd = -1;
    }
}
