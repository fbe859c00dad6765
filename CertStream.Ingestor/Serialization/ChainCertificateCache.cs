namespace CertStream.Ingestor.Serialization;

/// <summary>
/// Rendered JSON of chain certificates, by DER. A handful of intermediates sign nearly every
/// certificate in CT, so the full stream's chain objects (parse, SHA-1, SHA-256, base64) are mostly
/// repeats: measured on live_ct.json, chain certificates are two thirds of the serializer's work.
/// One cache per thread (no locks); bounded: cleared when full, which costs only a re-render.
/// </summary>
internal sealed class ChainCertificateCache
{
    public const int Capacity = 256;

    private readonly Dictionary<int, (byte[] Der, byte[] Json)> _entries = new(Capacity);

    public bool TryGet(ReadOnlySpan<byte> der, out byte[] json)
    {
        if (_entries.TryGetValue(Key(der), out var entry) && entry.Der.AsSpan().SequenceEqual(der))
        {
            json = entry.Json;
            return true;
        }

        json = [];
        return false;
    }

    public void Add(ReadOnlySpan<byte> der, ReadOnlySpan<byte> json)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        // A key collision replaces the older certificate; TryGet compares the DER, so it is only a miss.
        _entries[Key(der)] = (der.ToArray(), json.ToArray());
    }

    // The tail of a certificate is its signature, as good as random; with the length it tells
    // certificates apart without hashing the whole DER (TryGet confirms with a full compare).
    private static int Key(ReadOnlySpan<byte> der)
    {
        var hash = new HashCode();
        hash.Add(der.Length);
        hash.AddBytes(der[Math.Max(0, der.Length - 32)..]);
        return hash.ToHashCode();
    }
}
