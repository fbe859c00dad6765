using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CertStream.Tests.Infrastructure;

/// <summary>One logged line as a test sees it.</summary>
public readonly record struct CapturedLog(string Category, LogLevel Level, int EventId, string Message);

/// <summary>Keeps every line an in-process host logs, so tests can assert on event ids (the stable contract).</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public int Count(int eventId) => _entries.Count(e => e.EventId == eventId);

    public IReadOnlyList<CapturedLog> WithId(int eventId) => [.. _entries.Where(e => e.EventId == eventId)];

    /// <summary>Fires on every line kept.</summary>
    public Pulse Changed { get; } = new();

    /// <summary>Waits until <paramref name="condition"/> holds, checked on each line; fails after <paramref name="timeout"/>.</summary>
    public Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string because, CancellationToken ct) =>
        Pulse.UntilAsync(condition, timeout, because, ct, Changed);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._entries.Enqueue(new CapturedLog(category, logLevel, eventId.Id, formatter(state, exception)));
                owner.Changed.Fire();
            }
        }
    }
}
