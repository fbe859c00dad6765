using System.Collections.Concurrent;
using CertStream.Ingestor.Ct;
using CertStream.Ingestor.Telemetry;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// The logged TBS is the truth: a precert entry whose pre_certificate does not match it (Verification/PrecertTbs.cs)
/// is streamed as the leaf says, built from the logged TBS, and marked <see cref="EntryIntegrity.PrecertTbsMismatch"/>.
/// Each mismatch is counted; the first of each log is logged (a log that does this once usually does it often).
/// </summary>
public sealed class PrecertChecker(IOptions<VerificationOptions> options, VerificationMetrics metrics, ILogger<PrecertChecker> logger)
{
    private readonly ConcurrentDictionary<string, byte> _reported = new(StringComparer.Ordinal);

    /// <summary>The entry to stream: <paramref name="entry"/> itself when it matches (the common case, no allocation).</summary>
    /// <param name="log">The log the entry came from.</param>
    /// <param name="entry">The decoded entry, with the TBS its leaf covers.</param>
    /// <param name="reread">
    /// The entry was read again for the durable feed: the live path already counted and reported it, so a
    /// mismatch only changes what is sent.
    /// </param>
    /// <exception cref="CtDecodeException">A mismatch whose logged TBS does not decode: the entry cannot be shown.</exception>
    public CtLogEntry Check(CtLogInfo log, in CtLogEntry entry, bool reread = false)
    {
        if (entry.Type != CtEntryType.Precert || entry.PrecertTbs.IsEmpty || !options.Value.Enabled)
        {
            return entry;
        }

        var issuer = entry.Chain.Count > 0 ? entry.Chain[0].Span : default;
        if (PrecertTbs.Matches(entry.PrecertTbs.Span, entry.LeafDer.Span, issuer))
        {
            return entry;
        }

        if (!reread)
        {
            metrics.PrecertMismatch(log.Key);
        }

        if (!reread && _reported.TryAdd(log.Key, 0))
        {
            IngestorLog.PrecertTbsMismatch(logger, log.Key, entry.Index);
        }

        return entry with { LeafDer = PrecertTbs.WrapAsCertificate(entry.PrecertTbs.Span), Integrity = EntryIntegrity.PrecertTbsMismatch };
    }
}
