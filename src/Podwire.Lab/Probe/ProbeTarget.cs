using Podwire.Model;

namespace Podwire.Lab.Probe;

/// <summary>A pod the probe server serves: its identity, its network namespace and its declared container ports.</summary>
public sealed record ProbeTarget(string Namespace, string Name, string Netns, IReadOnlyList<(int Port, Protocol Protocol)> Ports);

/// <summary>What <see cref="ProbeServer.AddPod"/> opened, and which ports it could not open and why.</summary>
public sealed record ProbePodResult(
    IReadOnlyList<(int Port, Protocol Protocol)> Listening,
    IReadOnlyList<(int Port, Protocol Protocol, string Reason)> Skipped);
