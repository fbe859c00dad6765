namespace CertStream.Gateway.Fanout.Filtering;

/// <summary><c>?dedup=</c>: which first sightings (envelope flags, decided by the ingestors) a client receives.</summary>
internal enum DedupMode
{
    /// <summary>Every message (no <c>dedup</c>, or <c>dedup=0</c>).</summary>
    None = 0,

    /// <summary><c>dedup=1</c>: each exact certificate once (a precert and its final certificate are two).</summary>
    Certificate = 1,

    /// <summary><c>dedup=joined</c>: a precert and its final certificate once between them.</summary>
    Joined = 2,
}
