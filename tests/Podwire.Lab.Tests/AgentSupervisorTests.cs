using Podwire.Lab.PodNetwork;

namespace Podwire.Lab.Tests;

/// <summary>The pod network's agents: started, checked, restarted after a failure (with back-off), stopped by node.</summary>
public class AgentSupervisorTests
{
    private sealed class FakeAgent(string name, string node) : IPodNetworkAgent
    {
        public string Name => name;
        public string Node => node;
        public int Starts, Stops;
        public AgentHealth Health = AgentHealth.Healthy;
        public bool FailToStart;
        public void Start() { Starts++; if (FailToStart) throw new InvalidOperationException("bind: address in use"); }
        public AgentHealth Check() => Health;
        public void Stop() => Stops++;
    }

    [Fact]
    public void AFailedAgentIsRestartedAndCounted()
    {
        var log = new StringWriter();
        using var agents = new AgentSupervisor(log, TimeSpan.Zero);
        var bird = new FakeAgent("bird@node-1", "node-1");
        agents.Start([bird]);
        agents.CheckAll();
        Assert.Equal(AgentHealth.Healthy, Assert.Single(agents.Status()).Health);

        bird.Health = AgentHealth.Failed;
        agents.CheckAll(); // seen failed: back-off starts
        Assert.Equal(AgentHealth.Failed, agents.Status()[0].Health);
        agents.CheckAll(); // back-off (zero here) passed: stop, start again
        Assert.Equal(2, bird.Starts);
        Assert.Equal(1, bird.Stops);
        Assert.Equal(1, agents.Status()[0].Restarts);
        Assert.Contains("agent bird@node-1 failed", log.ToString());

        bird.Health = AgentHealth.Healthy;
        agents.CheckAll();
        Assert.Equal(AgentHealth.Healthy, agents.Status()[0].Health);
    }

    [Fact]
    public void BackOffKeepsABrokenAgentFromSpinning()
    {
        using var agents = new AgentSupervisor(TextWriter.Null, TimeSpan.FromHours(1));
        var a = new FakeAgent("weave@node-2", "node-2") { Health = AgentHealth.Failed };
        agents.Start([a]);
        for (int i = 0; i < 5; i++) agents.CheckAll();
        Assert.Equal(1, a.Starts);
        Assert.Equal(0, agents.Status()[0].Restarts);
    }

    [Fact]
    public void AnAgentThatCannotStartIsFailedWithItsError()
    {
        using var agents = new AgentSupervisor(TextWriter.Null, TimeSpan.Zero);
        var a = new FakeAgent("bird@node-1", "node-1") { FailToStart = true };
        agents.Start([a]);
        var s = Assert.Single(agents.Status());
        Assert.Equal(AgentHealth.Failed, s.Health);
        Assert.Equal("bird@node-1", s.Name);
        Assert.Equal("bind: address in use", s.LastError);
    }

    [Fact]
    public void ANodeLeavingStopsOnlyItsAgentsAndDisposeStopsTheRest()
    {
        var agents = new AgentSupervisor(TextWriter.Null);
        var one = new FakeAgent("x@node-1", "node-1");
        var two = new FakeAgent("x@node-2", "node-2");
        agents.Start([one, two]);
        agents.StopNode("node-1");
        Assert.Equal((1, 0), (one.Stops, two.Stops));
        Assert.Equal(["x@node-2"], agents.Status().Select(s => s.Name));
        agents.Dispose();
        Assert.Equal(1, two.Stops);
        Assert.Empty(agents.Status());
    }

    [RootFact]
    public void AProcessAgentIsARealProcessInTheNodesNamespaceStoppedByPid()
    {
        using var sandbox = new NetnsSandbox();
        var ns = sandbox.Add("agent");
        var logs = Directory.CreateTempSubdirectory("pw-agent-");
        try
        {
            using var processes = new Podwire.Lab.Processes.ProcessSupervisor(logs.FullName, TimeSpan.FromSeconds(1));
            var context = new AgentContext(processes, new LabPaths("agenttest", logs.FullName), TextWriter.Null);
            var agent = new ProcessAgent("sleeper@n1", "n1", ns, "/bin/sleep", ["300"], context);
            using var agents = new AgentSupervisor(TextWriter.Null, TimeSpan.Zero);
            agents.Start([agent]);
            agents.CheckAll();
            Assert.Equal(AgentHealth.Healthy, agents.Status()[0].Health);
            int pid = agent.Pid!.Value;
            // Killed from outside: the next checks see it failed and start a new process.
            Programs.Run("kill", ["-9", pid.ToString()]);
            for (int i = 0; i < 100 && processes.IsRunning(pid); i++) Thread.Sleep(20);
            agents.CheckAll();
            agents.CheckAll();
            Assert.NotEqual(pid, agent.Pid);
            Assert.True(processes.IsRunning(agent.Pid!.Value));
            Assert.Equal(1, agents.Status()[0].Restarts);
            agents.StopNode("n1");
            Assert.Null(agent.Pid);
        }
        finally { logs.Delete(true); }
    }
}
