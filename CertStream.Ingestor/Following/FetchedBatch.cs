using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Ct.Http;

namespace CertStream.Ingestor.Following;

/// <summary>
/// The decoded entries of one fetch window and the pooled response bodies they point into.
/// <see cref="OrderedFetchPipeline"/> disposes it once it was delivered (or abandoned), which returns
/// the bodies: a window costs its bodies' bytes while in flight and nothing after.
/// </summary>
public sealed class FetchedBatch : IDisposable
{
    private readonly List<PooledBody> _bodies = new(1);

    public FetchedBatch(int capacity) => Entries = new List<CtLogEntry>(capacity);

    public List<CtLogEntry> Entries { get; }

    /// <summary>Keeps <paramref name="body"/> until this batch is disposed.</summary>
    public void Own(PooledBody body) => _bodies.Add(body);

    public void Dispose()
    {
        foreach (var body in _bodies)
        {
            body.Dispose();
        }

        _bodies.Clear();
        Entries.Clear();
    }
}
