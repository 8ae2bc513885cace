namespace Podwire.Controllers.Tests;

public class StableHashTests
{
    [Theory]
    [InlineData("", 0xcbf29ce484222325UL)]           // FNV-1a 64 offset basis
    [InlineData("a", 0xaf63dc4c8601ec8cUL)]          // published FNV-1a 64 test vector
    [InlineData("foobar", 0x85944171f73967e8UL)]
    public void Fnv1a_matches_published_vectors(string text, ulong expected) =>
        Assert.Equal(expected, StableHash.Fnv1a(text));

    [Fact]
    public void Safe_strings_use_only_the_safe_alphabet_and_are_stable()
    {
        var s = StableHash.Safe(StableHash.Mix(42), 10);
        Assert.Equal(10, s.Length);
        Assert.All(s, c => Assert.Contains(c, StableHash.SafeAlphabet));
        Assert.Equal(s, StableHash.Safe(StableHash.Mix(42), 10));
    }

    [Fact]
    public void Generated_names_fit_in_63_characters()
    {
        var name = StableHash.GenerateName(new string('a', 70) + "-", 7);
        Assert.Equal(63, name.Length);
    }

    [Fact]
    public void Node_names_sort_naturally()
    {
        string[] names = ["node-10", "node-2", "node-1", "a", "node-02"];
        Array.Sort(names, Ordering.CompareNodeNames);
        Assert.Equal(["a", "node-1", "node-02", "node-2", "node-10"], names);
    }
}
