using CertStream.Contracts.Envelope;
using CertStream.Ingestor.Certificates;

namespace CertStream.Ingestor.Serialization;

/// <summary>
/// The <see cref="StreamEnvelope"/> header of one certificate message: the leaf's <c>all_domains</c>
/// (normalised for the gateway's <c>?match=</c>) and its issuer's aggregated name (what
/// <c>?issuer=</c> searches), flags 0 until the publisher's dedup check sets them.
/// </summary>
internal sealed class EnvelopeHeader
{
    // The aggregated name's keys in docs/wire-format.md's order (C, CN, L, O, OU, ST).
    private static readonly byte[][] Prefixes =
        ["/C="u8.ToArray(), "/CN="u8.ToArray(), "/L="u8.ToArray(), "/O="u8.ToArray(), "/OU="u8.ToArray(), "/ST="u8.ToArray()];

    private readonly StreamEnvelopeWriter _writer = new();
    private readonly Utf8Builder _issuer = new(512);

    public ReadOnlySpan<byte> Build(AllDomains domains, DistinguishedName issuer)
    {
        _writer.Reset(StreamEnvelope.KindCertificate);
        for (var i = 0; i < domains.Count; i++)
        {
            _writer.AddDomain(domains[i]);
        }

        _issuer.Clear();
        for (var i = 0; i < Prefixes.Length; i++)
        {
            var start = _issuer.Length;
            _issuer.Append(Prefixes[i]);
            if (!issuer.AppendJoined((NameAttribute)i, _issuer) || _issuer.Length == start + Prefixes[i].Length)
            {
                _issuer.Truncate(start); // absent or empty: no "/K=", as in aggregated
            }
        }

        _writer.SetIssuer(_issuer.WrittenSpan);
        return _writer.Header;
    }
}
