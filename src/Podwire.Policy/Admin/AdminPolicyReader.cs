using System.Text.Json;
using Podwire.Model;

namespace Podwire.Policy.Admin;

/// <summary>
/// Reads ANP/BANP objects from their JSON text with JsonDocument (no reflection, AOT-safe).
/// Shape errors (a string where a number belongs, an unknown protocol) are reported and the
/// reader carries on, so one pass finds every problem; rule-level checks live in the validator.
/// </summary>
public static class AdminPolicyReader
{
    public static bool IsAdminKind(RawObject o) =>
        o.ApiVersion == AdminPolicy.ApiVersion && (o.Kind == AdminPolicy.AnpKind || o.Kind == AdminPolicy.BanpKind);

    /// <summary>Reads every ANP/BANP in <paramref name="objects"/>, sorted for evaluation order; problems include validation.</summary>
    public static IReadOnlyList<AdminPolicy> ReadAll(IEnumerable<RawObject> objects, List<Problem> problems)
    {
        var list = new List<AdminPolicy>();
        foreach (var o in objects)
        {
            if (!IsAdminKind(o)) continue;
            var p = Read(o, problems);
            if (p is null) continue;
            AdminPolicyValidator.Validate(p, problems);
            list.Add(p);
        }
        list.Sort(static (a, b) =>
        {
            int c = a.IsBaseline.CompareTo(b.IsBaseline);
            if (c != 0) return c;
            c = (a.Priority ?? 0).CompareTo(b.Priority ?? 0);
            // Equal priorities are undefined upstream; ordering by name keeps the result deterministic.
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        return list;
    }

    public static AdminPolicy? Read(RawObject o, List<Problem> problems)
    {
        bool baseline = o.Kind == AdminPolicy.BanpKind;
        var sink = new ProblemSink(problems, o.Location, new ObjectRef(o.Kind, null, o.Name));
        JsonDocument doc;
        try { doc = JsonDocument.Parse(o.Json); }
        catch (JsonException e) { sink.Add("", "invalid JSON: " + e.Message); return null; }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { sink.Add("", "expected an object"); return null; }
            var spec = Prop(root, "spec");
            if (spec is not { ValueKind: JsonValueKind.Object } s) { sink.Add("spec", "required"); return null; }

            int? priority = null;
            if (Prop(s, "priority") is { } pr)
            {
                if (pr.ValueKind == JsonValueKind.Number && pr.TryGetInt32(out int v)) priority = v;
                else sink.Add("spec.priority", "must be an integer");
            }
            var subject = ReadSubject(Prop(s, "subject"), sink, "spec.subject");
            var ingress = ReadRules(Prop(s, "ingress"), "from", sink, "spec.ingress");
            var egress = ReadRules(Prop(s, "egress"), "to", sink, "spec.egress");
            return new AdminPolicy(o.Name, baseline, baseline ? null : priority, subject, ingress, egress, o.Location);
        }
    }

    private static JsonElement? Prop(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static AdminSubject ReadSubject(JsonElement? e, ProblemSink sink, string path)
    {
        if (e is not { ValueKind: JsonValueKind.Object } s) return new AdminSubject(null, null);
        var ns = Prop(s, "namespaces") is { } n ? SelectorReader.Read(n, sink, path + ".namespaces") : null;
        var pods = Prop(s, "pods") is { } p ? ReadPods(p, sink, path + ".pods") : null;
        return new AdminSubject(ns, pods);
    }

    private static AdminPodSelector ReadPods(JsonElement e, ProblemSink sink, string path)
    {
        var ns = Prop(e, "namespaceSelector");
        var pod = Prop(e, "podSelector");
        if (ns is null) sink.Add(path + ".namespaceSelector", "required");
        if (pod is null) sink.Add(path + ".podSelector", "required");
        return new AdminPodSelector(
            ns is { } a ? SelectorReader.Read(a, sink, path + ".namespaceSelector") : LabelSelector.Everything,
            pod is { } b ? SelectorReader.Read(b, sink, path + ".podSelector") : LabelSelector.Everything);
    }

    private static IReadOnlyList<AdminRule> ReadRules(JsonElement? e, string peersField, ProblemSink sink, string path)
    {
        if (e is null) return [];
        if (e.Value.ValueKind != JsonValueKind.Array) { sink.Add(path, "must be a list"); return []; }
        var rules = new List<AdminRule>();
        int i = 0;
        foreach (var r in e.Value.EnumerateArray())
        {
            var rp = $"{path}[{i++}]";
            string? name = Prop(r, "name") is { ValueKind: JsonValueKind.String } nm ? nm.GetString() : null;
            string raw = Prop(r, "action") is { ValueKind: JsonValueKind.String } ac ? ac.GetString() ?? "" : "";
            var action = raw switch { "Allow" => AdminAction.Allow, "Deny" => AdminAction.Deny, "Pass" => AdminAction.Pass, _ => AdminAction.Unknown };
            var peers = new List<AdminPeer>();
            if (Prop(r, peersField) is { ValueKind: JsonValueKind.Array } pa)
            {
                int j = 0;
                foreach (var p in pa.EnumerateArray()) peers.Add(ReadPeer(p, sink, $"{rp}.{peersField}[{j++}]"));
            }
            List<AdminPort>? ports = null;
            if (Prop(r, "ports") is { ValueKind: JsonValueKind.Array } po)
            {
                ports = [];
                int j = 0;
                foreach (var p in po.EnumerateArray()) ports.Add(ReadPort(p, sink, $"{rp}.ports[{j++}]"));
            }
            rules.Add(new AdminRule(name, action, raw, peers, ports));
        }
        return rules;
    }

    private static AdminPeer ReadPeer(JsonElement e, ProblemSink sink, string path)
    {
        var ns = Prop(e, "namespaces") is { } n ? SelectorReader.Read(n, sink, path + ".namespaces") : null;
        var pods = Prop(e, "pods") is { } p ? ReadPods(p, sink, path + ".pods") : null;
        var nodes = Prop(e, "nodes") is { } no ? SelectorReader.Read(no, sink, path + ".nodes") : null;
        List<string>? nets = null;
        if (Prop(e, "networks") is { } nw)
        {
            nets = [];
            if (nw.ValueKind != JsonValueKind.Array) sink.Add(path + ".networks", "must be a list of CIDRs");
            else foreach (var c in nw.EnumerateArray()) nets.Add(c.ValueKind == JsonValueKind.String ? c.GetString() ?? "" : c.ToString());
        }
        return new AdminPeer(ns, pods, nodes, nets);
    }

    private static AdminPort ReadPort(JsonElement e, ProblemSink sink, string path)
    {
        AdminPortNumber? number = null;
        AdminPortRange? range = null;
        string? named = null;
        if (Prop(e, "portNumber") is { } pn)
            number = new AdminPortNumber(ReadProtocol(pn, sink, path + ".portNumber"), ReadInt(pn, "port", sink, path + ".portNumber"));
        if (Prop(e, "namedPort") is { } np)
            named = np.ValueKind == JsonValueKind.String ? np.GetString() ?? "" : "";
        if (Prop(e, "portRange") is { } pr)
            range = new AdminPortRange(ReadProtocol(pr, sink, path + ".portRange"),
                ReadInt(pr, "start", sink, path + ".portRange"), ReadInt(pr, "end", sink, path + ".portRange"));
        return new AdminPort(number, named, range);
    }

    private static Protocol ReadProtocol(JsonElement e, ProblemSink sink, string path)
    {
        if (Prop(e, "protocol") is not { } p) return Protocol.TCP;
        switch (p.ValueKind == JsonValueKind.String ? p.GetString() : null)
        {
            case "TCP": return Protocol.TCP;
            case "UDP": return Protocol.UDP;
            case "SCTP": return Protocol.SCTP;
            default: sink.Add(path + ".protocol", $"unsupported value \"{p}\": must be TCP, UDP or SCTP"); return Protocol.TCP;
        }
    }

    private static int ReadInt(JsonElement e, string name, ProblemSink sink, string path)
    {
        if (Prop(e, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out int i)) return i;
        sink.Add(path + "." + name, "required integer");
        return 0;
    }
}
