namespace Podwire.Controllers.Dns;

/// <summary>
/// Every record at one owner name, grouped by type (types ascending, record order kept within
/// a type). A node with no records is an empty non-terminal: the name exists (NOERROR) but
/// holds no data. Built once and never mutated, so the DNS server can pre-encode it.
/// </summary>
public sealed class DnsNode
{
    private readonly DnsRecord[] _records;

    public DnsNode(string name, DnsRecord[] recordsSortedByType)
    {
        Name = name;
        _records = recordsSortedByType;
    }

    /// <summary>The lowercase FQDN with a trailing dot.</summary>
    public string Name { get; }
    public IReadOnlyList<DnsRecord> Records => _records;
    public bool IsEmptyNonTerminal => _records.Length == 0;

    /// <summary>The CNAME at this name, if the name is an alias (an ExternalName Service).</summary>
    public DnsRecord? Cname
    {
        get
        {
            foreach (var r in _records) if (r.Type == DnsType.CNAME) return r;
            return null;
        }
    }

    /// <summary>The records of one type; <see cref="DnsType.ANY"/> returns them all.</summary>
    public ReadOnlySpan<DnsRecord> Get(DnsType type)
    {
        if (type == DnsType.ANY) return _records;
        int start = -1, end = 0;
        for (int i = 0; i < _records.Length; i++)
        {
            if (_records[i].Type != type) { if (start >= 0) break; continue; }
            if (start < 0) start = i;
            end = i + 1;
        }
        return start < 0 ? [] : _records.AsSpan(start, end - start);
    }

    public override string ToString() => $"{Name} ({_records.Length} records)";
}
