using CertStream.Contracts.Envelope;

namespace CertStream.Gateway.Fanout.Filtering;

/// <summary>
/// The filtered clients of one stream, indexed so that a message costs a few dictionary lookups per
/// domain, not a test per client: a name → clients table (one entry per pattern name, with the clients
/// that want it exactly and those that want what is below it), looked up with each of the message's
/// domains and each of its parent suffixes (<c>a.b.example.com</c>: <c>b.example.com</c>,
/// <c>example.com</c>, <c>com</c>). Clients with only <c>issuer=</c> are grouped by substring
/// (one search per distinct substring); clients with neither (only <c>dedup</c>/<c>events</c>) are
/// checked on every message. Everything is read from the envelope header; the JSON is never parsed.
/// A matched message is appended to the client's private ring (a reference, never a copy).
/// </summary>
/// <remarks>
/// <see cref="Route"/> runs on the stream's Redis loop, one message at a time; joins and leaves come
/// from any thread. One lock covers both: joins are rare next to messages and take microseconds.
/// </remarks>
internal sealed class FilterIndex
{
    private readonly Lock _gate = new();
    private readonly Dictionary<byte[], Node> _names = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], Node>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Dictionary<byte[], List<ClientConnection>> _issuers = new(ByteKeyComparer.Instance);
    private readonly List<ClientConnection> _unindexed = [];
    private readonly List<ClientConnection> _pendingWake = [];
    private long _stamp;
    private int _count;

    public FilterIndex() => _lookup = _names.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>Filtered clients held (a snapshot).</summary>
    public int Count => Volatile.Read(ref _count);

    public void Add(ClientConnection client)
    {
        var filter = client.Filter!;
        lock (_gate)
        {
            if (filter.Patterns.Length > 0)
            {
                foreach (var pattern in filter.Patterns)
                {
                    if (!_names.TryGetValue(pattern.Name, out var node))
                    {
                        _names[pattern.Name] = node = new Node();
                    }

                    if (pattern.Exact)
                    {
                        node.Exact.Add(client);
                    }

                    if (pattern.Subdomains)
                    {
                        node.Below.Add(client);
                    }
                }
            }
            else if (filter.Issuers.Length > 0)
            {
                foreach (var issuer in filter.Issuers)
                {
                    if (!_issuers.TryGetValue(issuer, out var clients))
                    {
                        _issuers[issuer] = clients = [];
                    }

                    clients.Add(client);
                }
            }
            else
            {
                _unindexed.Add(client);
            }

            _count++;
        }
    }

    public void Remove(ClientConnection client)
    {
        var filter = client.Filter!;
        lock (_gate)
        {
            if (filter.Patterns.Length > 0)
            {
                foreach (var pattern in filter.Patterns)
                {
                    if (_names.TryGetValue(pattern.Name, out var node))
                    {
                        node.Exact.Remove(client);
                        node.Below.Remove(client);
                        if (node.Exact.Count == 0 && node.Below.Count == 0)
                        {
                            _names.Remove(pattern.Name);
                        }
                    }
                }
            }
            else if (filter.Issuers.Length > 0)
            {
                foreach (var issuer in filter.Issuers)
                {
                    if (_issuers.TryGetValue(issuer, out var clients) && clients.Remove(client) && clients.Count == 0)
                    {
                        _issuers.Remove(issuer);
                    }
                }
            }
            else
            {
                _unindexed.Remove(client);
            }

            _pendingWake.Remove(client);
            _count--;
        }
    }

    /// <summary>
    /// Appends <paramref name="entry"/> to the private ring of every filtered client it matches, once
    /// each. <paramref name="wakeNow"/>: wake them now (no flush interval); otherwise they wait for
    /// <see cref="WakePending"/> on the flush tick, like the shared ring's clients. Returns the matches.
    /// </summary>
    public int Route(RingEntry entry, in StreamEnvelope envelope, bool wakeNow)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return 0;
            }

            var stamp = ++_stamp;
            var matched = 0;
            if (envelope.Kind != StreamEnvelope.KindCertificate)
            {
                // Events (about logs, not certificates): every client that opted in, whatever its other filters.
                matched += Events(_unindexed, entry, envelope.Kind, stamp, wakeNow);
                foreach (var node in _names.Values)
                {
                    matched += Events(node.Exact, entry, envelope.Kind, stamp, wakeNow);
                    matched += Events(node.Below, entry, envelope.Kind, stamp, wakeNow);
                }

                foreach (var clients in _issuers.Values)
                {
                    matched += Events(clients, entry, envelope.Kind, stamp, wakeNow);
                }

                return matched;
            }

            var flags = envelope.Flags;
            var issuer = envelope.Issuer;
            if (_names.Count > 0)
            {
                foreach (var domain in envelope.Domains)
                {
                    if (_lookup.TryGetValue(domain, out var node))
                    {
                        matched += Offer(node.Exact, entry, flags, issuer, stamp, wakeNow);
                    }

                    // Each parent suffix: the part after every dot.
                    for (var dot = domain.IndexOf((byte)'.'); dot >= 0; dot = NextDot(domain, dot))
                    {
                        if (_lookup.TryGetValue(domain[(dot + 1)..], out node))
                        {
                            matched += Offer(node.Below, entry, flags, issuer, stamp, wakeNow);
                        }
                    }
                }
            }

            foreach (var (needle, clients) in _issuers)
            {
                if (issuer.IndexOf(needle) >= 0)
                {
                    matched += Offer(clients, entry, flags, default, stamp, wakeNow, issuerChecked: true);
                }
            }

            matched += Offer(_unindexed, entry, flags, issuer, stamp, wakeNow);
            return matched;
        }
    }

    /// <summary>Wakes, on this thread, the clients given messages since the last call (the flush tick).</summary>
    public void WakePending()
    {
        ClientConnection[] pending;
        lock (_gate)
        {
            if (_pendingWake.Count == 0)
            {
                return;
            }

            pending = [.. _pendingWake];
            _pendingWake.Clear();
            foreach (var client in pending)
            {
                // Under the lock: a message routed from now on queues the client again.
                client.FilterWakePending = false;
            }
        }

        foreach (var client in pending)
        {
            client.WakeInline();
        }
    }

    private static int NextDot(ReadOnlySpan<byte> domain, int dot)
    {
        var next = domain[(dot + 1)..].IndexOf((byte)'.');
        return next < 0 ? -1 : dot + 1 + next;
    }

    private int Offer(List<ClientConnection> clients, RingEntry entry, byte flags, ReadOnlySpan<byte> issuer, long stamp, bool wakeNow, bool issuerChecked = false)
    {
        var matched = 0;
        foreach (var client in clients)
        {
            if (client.FilterStamp == stamp)
            {
                continue; // matched by another of the message's names already
            }

            client.FilterStamp = stamp;
            var filter = client.Filter!;
            if (filter.PassesDedup(flags) && (issuerChecked || filter.MatchesIssuer(issuer)))
            {
                Append(client, entry, wakeNow);
                matched++;
            }
        }

        return matched;
    }

    private int Events(List<ClientConnection> clients, RingEntry entry, byte kind, long stamp, bool wakeNow)
    {
        var matched = 0;
        foreach (var client in clients)
        {
            if (client.FilterStamp != stamp && client.Filter!.WantsEvent(kind))
            {
                client.FilterStamp = stamp;
                Append(client, entry, wakeNow);
                matched++;
            }
        }

        return matched;
    }

    private void Append(ClientConnection client, RingEntry entry, bool wakeNow)
    {
        client.Ring.Append(entry);
        if (wakeNow)
        {
            client.Wake();
        }
        else if (!client.FilterWakePending)
        {
            client.FilterWakePending = true;
            _pendingWake.Add(client);
        }
    }

    private sealed class Node
    {
        public List<ClientConnection> Exact { get; } = [];

        public List<ClientConnection> Below { get; } = [];
    }
}
