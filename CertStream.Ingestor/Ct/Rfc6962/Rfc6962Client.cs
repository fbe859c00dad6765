using System.Globalization;
using CertStream.Ingestor.Ct.Http;

namespace CertStream.Ingestor.Ct.Rfc6962;

/// <summary>get-sth and get-entries for one RFC 6962 log.</summary>
public sealed class Rfc6962Client(CtHttpClient http)
{
    public async Task<SignedTreeHead> GetSthAsync(CtLogInfo log, CancellationToken ct)
    {
        var body = await http.GetBytesAsync(log, log.Url + "ct/v1/get-sth", "get-sth", ct);
        return Rfc6962Responses.ParseSth(body);
    }

    /// <summary>
    /// One get-entries request for [start, end] (inclusive). Logs may return fewer (a short page is
    /// normal); zero entries or more than asked is an error (docs/ct-protocols.md §1.2).
    /// </summary>
    public async Task<List<RawEntry>> GetEntriesAsync(CtLogInfo log, long start, long end, CancellationToken ct)
    {
        var url = string.Concat(log.Url, "ct/v1/get-entries?start=", start.ToString(CultureInfo.InvariantCulture),
            "&end=", end.ToString(CultureInfo.InvariantCulture));
        var body = await http.GetBytesAsync(log, url, "get-entries", ct);
        var entries = Rfc6962Responses.ParseEntries(body);
        if (entries.Count == 0)
        {
            throw new CtDecodeException($"get-entries {start}-{end} returned no entries");
        }

        if (entries.Count > end - start + 1)
        {
            throw new CtDecodeException($"get-entries {start}-{end} returned {entries.Count} entries, more than asked");
        }

        return entries;
    }

    /// <summary>
    /// As <see cref="GetEntriesAsync"/>, parsed in place: the entries are appended to
    /// <paramref name="entries"/> as slices of the returned body, which the caller disposes after them.
    /// </summary>
    public async Task<PooledBody> GetEntriesPooledAsync(CtLogInfo log, long start, long end, List<RawEntrySlice> entries, CancellationToken ct)
    {
        var url = string.Concat(log.Url, "ct/v1/get-entries?start=", start.ToString(CultureInfo.InvariantCulture),
            "&end=", end.ToString(CultureInfo.InvariantCulture));
        var body = await http.GetPooledAsync(log, url, "get-entries", ct);
        var first = entries.Count;
        try
        {
            Rfc6962Responses.ParseEntriesInPlace(body.Memory, entries);
            var count = entries.Count - first;
            if (count == 0)
            {
                throw new CtDecodeException($"get-entries {start}-{end} returned no entries");
            }

            if (count > end - start + 1)
            {
                throw new CtDecodeException($"get-entries {start}-{end} returned {count} entries, more than asked");
            }

            return body;
        }
        catch
        {
            entries.RemoveRange(first, entries.Count - first);
            body.Dispose();
            throw;
        }
    }
}
