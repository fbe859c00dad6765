using CertStream.Ingestor.Certificates;

namespace CertStream.Ingestor.Serialization;

/// <summary>
/// <c>all_domains</c> of a leaf (docs/wire-format.md): SAN dNSNames in certificate order, then the subject
/// CN when it is non-empty, the certificate is not a CA and the name is not already listed;
/// duplicates removed, first wins, case and wildcards kept. Several CN attributes are taken one by
/// one (a joined "a,b" is not a domain). Held as UTF-8 ranges in one reused buffer.
/// </summary>
internal sealed class AllDomains : IDisposable
{
    private readonly Utf8Builder _text = new(1024);
    private readonly List<(int Start, int Length)> _ranges = new(16);

    public int Count => _ranges.Count;

    public ReadOnlySpan<byte> this[int index] => _text.Slice(_ranges[index].Start, _ranges[index].Length);

    public void Fill(ParsedCertificate certificate)
    {
        _text.Clear();
        _ranges.Clear();
        var sans = certificate.Extensions.SanNames;
        for (var i = 0; i < sans.Count; i++)
        {
            if (sans[i].Kind == GeneralNameKind.Dns)
            {
                var start = _text.Length;
                DirectoryStringDecoder.AppendUtf8Lenient(sans[i].Raw.Span, _text);
                AddIfNew(start);
            }
        }

        if (certificate.IsCa)
        {
            return;
        }

        var names = certificate.Subject.Items;
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Attribute == NameAttribute.CN)
            {
                var start = _text.Length;
                DirectoryStringDecoder.Append(names[i].StringType, names[i].Raw.Span, _text);
                AddIfNew(start);
            }
        }
    }

    private void AddIfNew(int start)
    {
        var length = _text.Length - start;
        if (length == 0)
        {
            return;
        }

        var candidate = _text.Slice(start, length);
        foreach (var (s, l) in _ranges)
        {
            if (l == length && _text.Slice(s, l).SequenceEqual(candidate))
            {
                _text.Truncate(start);
                return;
            }
        }

        _ranges.Add((start, length));
    }

    public void Dispose() => _text.Dispose();
}
