using Podwire.Model;
using Podwire.Policy.Ir;

namespace Podwire.Policy.Tests;

/// <summary>Selector results are cached by <see cref="SelectorKey"/>: different selectors must never share a key.</summary>
public class SelectorKeyTests
{
    private static LabelSelector Expr(string key, SelectorOperator op, params string[] values) =>
        new(Labels.Empty, [new SelectorRequirement(key, op, values)]);

    [Fact]
    public void DistinctSelectorsHaveDistinctKeys()
    {
        var selectors = new[]
        {
            LabelSelector.Everything,
            LabelSelector.FromLabels(Labels.Of(("a", "b"))),
            LabelSelector.FromLabels(Labels.Of(("a", "c"))),
            LabelSelector.FromLabels(Labels.Of(("ab", ""))),
            LabelSelector.FromLabels(Labels.Of(("a", "b"), ("c", "d"))),
            Expr("a", SelectorOperator.In, "b"),
            Expr("a", SelectorOperator.In, "b", "c"),
            Expr("a", SelectorOperator.NotIn, "b"),
            Expr("a", SelectorOperator.Exists),
            Expr("a", SelectorOperator.DoesNotExist),
            new LabelSelector(Labels.Of(("a", "b")), [new SelectorRequirement("a", SelectorOperator.Exists, [])]),
        };
        var keys = new HashSet<string>();
        foreach (var s in selectors) Assert.True(keys.Add(SelectorKey.Of(s)), $"duplicate key for {s}");
    }

    [Fact]
    public void EqualSelectorsShareAKey()
    {
        Assert.Equal(SelectorKey.Of(Expr("a", SelectorOperator.In, "x", "y")), SelectorKey.Of(Expr("a", SelectorOperator.In, "x", "y")));
        Assert.Equal(SelectorKey.Of(LabelSelector.FromLabels(Labels.Of(("b", "1"), ("a", "2")))),
            SelectorKey.Of(LabelSelector.FromLabels(Labels.Of(("a", "2"), ("b", "1")))));
    }
}
