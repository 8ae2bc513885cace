using Podwire.Datapath;

namespace Podwire.Cni.Tests;

/// <summary>The one process boundary every plugin call and kernel command goes through.</summary>
public class ProcessRunnerTests
{
    [LinuxFact]
    public void A_program_that_exits_without_reading_its_input_gives_its_own_result_not_a_broken_pipe()
    {
        // 1 MiB cannot fit in a pipe: the write is still going when `true` exits (EPIPE).
        var big = new string('x', 1 << 20);
        var ok = ProcessRunner.Instance.Run("true", [], big);
        Assert.Equal(0, ok.ExitCode);
        var failed = ProcessRunner.Instance.Run("sh", ["-c", "echo gone >&2; exit 3"], big);
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("gone\n", failed.Stderr);
    }
}
