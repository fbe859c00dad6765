namespace CertStream.CtLogSimulator.Faults;

/// <summary>
/// The faults queued for one log: one-shot faults (the next N matching requests, in order of injection)
/// and periodic ones (every Nth matching request), the latter for the demo and load tool configuration.
/// </summary>
internal sealed class FaultSchedule
{
    private readonly Lock _gate = new();
    private readonly List<Pending> _oneShot = [];
    private readonly List<Periodic> _periodic = [];

    public void Add(SimulatedFault fault, int count)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            _oneShot.Add(new Pending(fault, count));
        }
    }

    public void AddEvery(SimulatedFault fault, int everyNth)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(everyNth, 1);
        lock (_gate)
        {
            _periodic.Add(new Periodic(fault, everyNth));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _oneShot.Clear();
            _periodic.Clear();
        }
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                var total = 0;
                foreach (var pending in _oneShot)
                {
                    total += pending.Remaining;
                }

                return total;
            }
        }
    }

    /// <summary>The fault this request gets, if any; consumes one use of a one-shot fault.</summary>
    public SimulatedFault? Take(SimulatedEndpoint endpoint)
    {
        lock (_gate)
        {
            for (var i = 0; i < _oneShot.Count; i++)
            {
                var pending = _oneShot[i];
                if (pending.Fault.AppliesTo(endpoint))
                {
                    if (--pending.Remaining == 0)
                    {
                        _oneShot.RemoveAt(i);
                    }

                    return pending.Fault;
                }
            }

            foreach (var periodic in _periodic)
            {
                if (periodic.Fault.AppliesTo(endpoint) && ++periodic.Seen % periodic.EveryNth == 0)
                {
                    return periodic.Fault;
                }
            }

            return null;
        }
    }

    private sealed class Pending(SimulatedFault fault, int remaining)
    {
        public SimulatedFault Fault { get; } = fault;

        public int Remaining { get; set; } = remaining;
    }

    private sealed class Periodic(SimulatedFault fault, int everyNth)
    {
        public SimulatedFault Fault { get; } = fault;

        public int EveryNth { get; } = everyNth;

        public long Seen { get; set; }
    }
}
