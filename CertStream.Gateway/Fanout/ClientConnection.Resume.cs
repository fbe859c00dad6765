using System.Buffers;
using CertStream.Contracts;
using CertStream.Contracts.Envelope;
using CertStream.Gateway.Telemetry;
using StackExchange.Redis;

namespace CertStream.Gateway.Fanout;

/// <summary>
/// Resume and drop notices (docs/wire-format.md, "Resuming"). A client that resumes from a cursor
/// first gets what followed it from the replay buffer in Redis, a page at a time, then the stream's
/// ring from the message after the last one replayed: the ring's entries carry their cursor at the
/// end of the payload, so the seam is found by comparing cursors, with no gap and no duplicate,
/// on whichever gateway the client lands. While it replays, its ring cursor is not used (the ring's
/// evictions are not its losses); the replay's own writes are flushed like the live ones, so a
/// client that does not read is closed as a write stall, and one that lost messages to the buffer's
/// trimming while replaying counts them as dropped (slow-client policy).
/// </summary>
internal abstract partial class ClientConnection
{
    /// <summary>Replay buffer entries read per XRANGE: a page is all a replaying client holds (full stream: ~250 KB).</summary>
    internal const int ReplayPageSize = 32;

    private StreamCursor? _resumeFrom;
    private bool _notices = true;
    private long _noticedDrops;         // drops the client has been told of; sender only
    private StreamCursor _replayedThrough; // live phase: ring entries up to here were replayed already; default once passed
    private int _skipBudget;

    /// <summary>Whether the client is sent <c>messages_dropped</c> notices.</summary>
    public bool Notices => _notices;

    /// <summary>Applies what the client asked for; call before the client is registered.</summary>
    internal void Apply(ResumeRequest request)
    {
        _notices = request.Notices;
        if (request.Since is { } since)
        {
            _resumeFrom = since;
            lock (_accounting)
            {
                _countedUpTo = long.MaxValue; // until the replay hands over to the ring
            }
        }
    }

    /// <summary>Before the next message: one notice of the losses not told yet (they are in <see cref="Dropped"/>).</summary>
    private void WriteDropNoticeIfDue()
    {
        var dropped = Volatile.Read(ref _dropped);
        if (dropped == _noticedDrops)
        {
            return;
        }

        if (_notices)
        {
            WriteNotice(dropped - _noticedDrops, DropNotice.SlowClient);
        }

        _noticedDrops = dropped;
    }

    private void WriteNotice(long count, ReadOnlySpan<byte> reason)
    {
        Span<byte> notice = stackalloc byte[DropNotice.MaxLength];
        WriteMessage(notice[..DropNotice.Format(notice, count, reason)]);
    }

    /// <summary>Live phase, right after a replay: whether a ring entry was already sent from the replay buffer.</summary>
    private bool AlreadyReplayed(ReadOnlySpan<byte> payload)
    {
        if (!StreamCursor.TryFindInMessage(payload, out _, out var cursor))
        {
            return false;
        }

        if (cursor.CompareTo(_replayedThrough) <= 0 && --_skipBudget >= 0)
        {
            return true;
        }

        _replayedThrough = default; // past the seam: never checked again
        return false;
    }

    /// <summary>The replay phase of the send loop (see the class remarks). Returns once the client reads the ring.</summary>
    private async Task ReplayAsync(StreamCursor since)
    {
        var last = since;
        var first = true;
        while (!IsClosing)
        {
            var scan = ScanRing(last);
            if (scan.Found >= 0 && (scan.Covered || scan.FoundCursor.Sequence == last.Sequence + 1))
            {
                GoLive(scan.Found, last);
                return;
            }

            if (scan.Found < 0 && scan.Covered)
            {
                GoLive(scan.End, last);
                return;
            }

            StreamEntry[] page;
            try
            {
                page = Services.Replay is { } replay ? await replay.ReadAfterAsync(Stream, last, ReplayPageSize) : [];
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                GatewayLog.ReplayFailed(Services.Logger, Remote, StreamKinds.Name(Stream), last.ToString(), ex.Message);
                WriteNotice(-1, DropNotice.ReplayUnavailable);
                GoLive(scan.Found >= 0 ? scan.Found : scan.End, last);
                return;
            }

            if (page.Length == 0)
            {
                // Nothing after the cursor in Redis: what follows it is in the ring, or still to come.
                // (A filtered client's ring skips what it does not match: a gap there is no loss.)
                if (scan.Found >= 0 && Filter is null)
                {
                    NoticeGap(last, scan.FoundCursor, first);
                }

                GoLive(scan.Found >= 0 ? scan.Found : scan.End, last);
                return;
            }

            last = await WritePageAsync(page, last, first);
            first = false;
        }
    }

    /// <summary>Writes one page of the replay buffer, flushing per batch like the live path; returns the cursor of the last entry.</summary>
    private async Task<StreamCursor> WritePageAsync(StreamEntry[] page, StreamCursor last, bool first)
    {
        var budget = MaxFlushBytes;
        var written = 0;
        foreach (var entry in page)
        {
            var id = (string?)entry.Id;
            var payload = entry[RedisNames.ReplayPayloadField];
            if (id is null || !StreamCursor.TryParse(id, out var cursor) || payload.IsNull)
            {
                continue;
            }

            NoticeGap(last, cursor, first && written == 0);
            last = cursor;
            var bytes = (ReadOnlyMemory<byte>)payload;
            if (!WriteReplayed(bytes.Span, id))
            {
                continue;
            }

            written++;
            budget -= bytes.Length;
            if (budget <= 0)
            {
                await ReplayFlushAsync(written);
                written = 0;
                budget = _behind ? BehindFlushBytes : MaxFlushBytes;
            }
        }

        if (written > 0)
        {
            await ReplayFlushAsync(written);
        }

        return last;
    }

    /// <summary>Writes a stored payload as the client gets it: the JSON, with its cursor as the last field.</summary>
    private bool WriteReplayed(ReadOnlySpan<byte> payload, string id)
    {
        if (!StreamEnvelope.TryRead(payload, out var envelope) || envelope.Json.IsEmpty
            || !(Filter is { } filter ? filter.Matches(envelope) : envelope.Kind == StreamEnvelope.KindCertificate))
        {
            return false; // what the live path would not have sent this client either
        }

        var json = envelope.Json;

        if (json[^1] != (byte)'}')
        {
            WriteMessage(json);
            return true;
        }

        ReadOnlySpan<byte> field = ",\"cursor\":\""u8;
        var length = json.Length - 1 + field.Length + id.Length + 2;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = rented.AsSpan(0, length);
            json[..^1].CopyTo(span);
            var at = json.Length - 1;
            field.CopyTo(span[at..]);
            at += field.Length;
            for (var i = 0; i < id.Length; i++)
            {
                span[at++] = (byte)id[i];
            }

            span[at++] = (byte)'"';
            span[at] = (byte)'}';
            WriteMessage(span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return true;
    }

    private async Task ReplayFlushAsync(int messages)
    {
        Volatile.Write(ref _flushStarted, Services.Time.GetTimestamp());
        Volatile.Write(ref _writes, _writes + 1);
        var flush = FlushAsync();
        _behind = !flush.IsCompleted;
        var writable = await flush;
        Volatile.Write(ref _flushStarted, 0);
        Volatile.Write(ref _sent, _sent + messages);
        Volatile.Write(ref _lastMessage, Services.Time.GetTimestamp());
        if (!writable)
        {
            RequestClose(DisconnectReason.ClientClosed);
        }
    }

    /// <summary>
    /// Tells the client about messages missing between two consecutive cursors it gets. On the first
    /// page that is the resume itself reaching back beyond the buffer; later, the buffer was trimmed
    /// under a client replaying too slowly: those count as dropped, like a queue overflow.
    /// </summary>
    private void NoticeGap(StreamCursor last, StreamCursor next, bool atResume)
    {
        var missing = next.Sequence - last.Sequence - 1;
        if (missing == 0)
        {
            return;
        }

        if (missing < 0)
        {
            // The counter restarted (Redis lost its data): how much is unknown.
            if (_notices)
            {
                WriteNotice(-1, DropNotice.ReplayUnavailable);
            }

            return;
        }

        if (_notices)
        {
            WriteNotice(missing, DropNotice.ReplayBufferExceeded);
        }

        if (!atResume)
        {
            lock (_accounting)
            {
                Volatile.Write(ref _dropped, _dropped + missing);
            }

            _noticedDrops += missing;
        }
    }

    /// <summary>
    /// Where the ring stands relative to <paramref name="last"/>: the position and cursor of its first
    /// entry after it (Found: -1 if none), whether it holds an entry at or before it (then the ring
    /// has everything that follows it), and the position the scan ended at.
    /// </summary>
    private (long Found, StreamCursor FoundCursor, bool Covered, long End) ScanRing(StreamCursor last)
    {
        var ring = Ring; // the stream's, or the client's own with a filter
        var position = ring.Oldest;
        var covered = false;
        while (true)
        {
            var at = position;
            var count = ring.Read(ref position, _batch, long.MaxValue);
            if (count == 0)
            {
                if (position < ring.Oldest)
                {
                    position = ring.Oldest; // lapped while scanning: start over from the oldest
                    covered = false;
                    continue;
                }

                return (-1, default, covered, position);
            }

            for (var i = 0; i < count; i++)
            {
                var payload = _batch[i]!.Payload;
                if (!StreamCursor.TryFindInMessage(payload.Span, out _, out var cursor))
                {
                    continue;
                }

                if (cursor.CompareTo(last) <= 0)
                {
                    covered = true;
                }
                else
                {
                    Array.Clear(_batch);
                    return (at + i, cursor, covered, position);
                }
            }

            Array.Clear(_batch);
        }
    }

    /// <summary>Hands over from the replay to the ring at <paramref name="position"/>; entries there up to <paramref name="last"/> are skipped.</summary>
    private void GoLive(long position, StreamCursor last)
    {
        lock (_accounting)
        {
            _cursor = position;
            _countedUpTo = position;
        }

        _replayedThrough = last;
        _skipBudget = Services.BufferSize;
        _wake.Set();
    }
}
