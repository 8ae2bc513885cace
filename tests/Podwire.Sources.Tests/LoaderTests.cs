using System.Text;
using k8s.Models;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Sources.Tests;

public class LoaderTests
{
    private static LoadResult Load(string text, string name = "t.yaml") => ManifestLoader.LoadTexts([(name, text)]);

    [Fact]
    public void MultiDocumentYamlKeepsOrderAndLines()
    {
        var r = Load("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: a\nspec:\n  ports:\n  - port: 80\n");
        Assert.True(r.Ok);
        Assert.Equal(2, r.Objects.Count);
        Assert.Equal("Namespace", r.Objects[0].Kind);
        Assert.Equal(1, r.Objects[0].Location.Line);
        var svc = Assert.IsType<V1Service>(r.Objects[1].Object);
        Assert.Equal(80, svc.Spec.Ports[0].Port);
        Assert.Equal(5, r.Objects[1].Location.Line);
    }

    [Fact]
    public void EmptyDocumentsAreIgnored()
    {
        var r = Load("---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n");
        Assert.True(r.Ok);
        Assert.Single(r.Objects);
    }

    [Fact]
    public void ScalarsAreTypedAsKubernetesDoes()
    {
        // Quoted numbers stay strings; plain ones are numbers; IntOrString takes both.
        var r = Load("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels:\n    version: \"1.0\"\n    ip: 10.0.0.1\nspec:\n  ports:\n  - port: 80\n    targetPort: http\n  - port: 81\n    targetPort: 8081\n");
        Assert.True(r.Ok, string.Join("\n", r.Problems));
        var svc = (V1Service)r.Objects[0].Object;
        Assert.Equal("1.0", svc.Metadata.Labels["version"]);
        Assert.Equal("10.0.0.1", svc.Metadata.Labels["ip"]);
        Assert.Equal("http", svc.Spec.Ports[0].TargetPort.Value);
        Assert.Equal("8081", svc.Spec.Ports[1].TargetPort.Value);
    }

    [Fact]
    public void UnquotedNumberInAStringFieldIsAClearError()
    {
        var r = Load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    version: 1.5\n");
        var p = Assert.Single(r.Problems);
        Assert.Equal("metadata.labels.version", p.Field);
        Assert.Equal(new ObjectRef("Pod", null, "p"), p.Object);
        Assert.Contains("expected a string", p.Message);
    }

    [Fact]
    public void SyntaxErrorsCarryTheLine()
    {
        var r = Load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {a: b\n");
        var p = Assert.Single(r.Problems);
        Assert.Contains("YAML syntax error at line", p.Message);
        Assert.True(p.Location.Line >= 5, p.ToString());
    }

    [Fact]
    public void AnchorsAndAliasesExpand()
    {
        var r = Load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &l\n    app: web\n  annotations: *l\n");
        Assert.True(r.Ok, string.Join("\n", r.Problems));
        var pod = (V1Pod)r.Objects[0].Object;
        Assert.Equal("web", pod.Metadata.Annotations["app"]);
    }

    [Fact]
    public void ListKindExpands()
    {
        var r = Load("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n");
        Assert.True(r.Ok);
        Assert.Equal(["a", "b"], r.Objects.Select(o => ((V1Namespace)o.Object).Metadata.Name));
    }

    [Fact]
    public void JsonFilesAndJsonListsLoad()
    {
        var r = Load("""{"apiVersion":"v1","kind":"ServiceList","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{"ports":[{"port":53,"protocol":"UDP"}]}}]}""", "t.json");
        Assert.True(r.Ok, string.Join("\n", r.Problems));
        Assert.Equal("UDP", ((V1Service)Assert.Single(r.Objects).Object).Spec.Ports[0].Protocol);
    }

    [Fact]
    public void UnknownKindsBecomeOneNoticePerKind()
    {
        var r = Load("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
        Assert.True(r.Ok);
        Assert.Empty(r.Objects);
        Assert.Equal(["skipped 2 v1 ConfigMap objects (not used by Podwire)", "skipped 1 example.com/v1 Widget object (not used by Podwire)"], r.Notices);
    }

    [Fact]
    public void AdminNetworkPolicyIsKeptRaw()
    {
        var r = Load("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: deny\nspec:\n  priority: 10\n");
        var raw = Assert.IsType<RawObject>(Assert.Single(r.Objects).Object);
        Assert.Equal("deny", raw.Name);
        Assert.Contains("\"priority\":10", raw.Json);
    }

    [Fact]
    public void MissingKindIsAProblem()
    {
        var r = Load("apiVersion: v1\nmetadata:\n  name: a\n");
        Assert.Equal("kind", Assert.Single(r.Problems).Field);
    }

    [Fact]
    public void FoldersAreReadRecursivelyInNameOrder()
    {
        var dir = Directory.CreateTempSubdirectory("pw-loader-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "sub"));
            File.WriteAllText(Path.Combine(dir.FullName, "b.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n");
            File.WriteAllText(Path.Combine(dir.FullName, "a.json"), """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}""");
            File.WriteAllText(Path.Combine(dir.FullName, "sub", "c.yml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n");
            File.WriteAllText(Path.Combine(dir.FullName, "notes.txt"), "ignored");
            var r = ManifestLoader.Load([dir.FullName]);
            Assert.Equal(["a", "b", "c"], r.Objects.Select(o => ((V1Namespace)o.Object).Metadata.Name));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void ParallelChunksGiveTheSameResultAsOneParse()
    {
        // Above the parallel threshold the text is split at "---" lines; objects, order and
        // line numbers must not change.
        var sb = new StringBuilder();
        int n = 4000;
        for (int i = 0; i < n; i++)
            sb.Append($"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  labels:\n    app: a{i % 7}\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: {1000 + i % 50}\n      name: p\n");
        var text = sb.ToString();
        Assert.True(text.Length > 256 * 1024);
        var r = Load(text);
        Assert.True(r.Ok);
        Assert.Equal(n, r.Objects.Count);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal($"p{i}", ((V1Pod)r.Objects[i].Object).Metadata.Name);
            Assert.Equal(1 + i * 13, r.Objects[i].Location.Line);
        }
    }

    [Fact]
    public void SyntaxErrorInALaterChunkReportsTheFileLine()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) sb.Append($"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n{i}\n");
        int badLine = 5000 * 5 + 5;
        sb.Append("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: [x\n");
        var r = Load(sb.ToString());
        var p = Assert.Single(r.Problems);
        Assert.InRange(p.Location.Line, badLine, badLine + 1);
    }
}
