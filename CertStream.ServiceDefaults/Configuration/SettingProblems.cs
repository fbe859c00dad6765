using Microsoft.Extensions.Options;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>
/// A setting found wrong while the host is still being built, before options validation can run
/// (a missing config file, an empty Redis connection string, a feed switched on without RabbitMQ).
/// On a normal start the first one stops the start (it is thrown). Under <c>--validate-config</c>
/// they are collected instead and building goes on, so that the operator sees every problem at once,
/// not one per attempt.
/// </summary>
public static class SettingProblems
{
    // Async-local, not static: tests build hosts in parallel in one process.
    private static readonly AsyncLocal<List<string>?> Collected = new();

    /// <summary>Whether problems are being collected (<c>--validate-config</c>): the host is built only to be checked, never started.</summary>
    public static bool Collecting => Collected.Value is not null;

    /// <summary>Throws <paramref name="problem"/>, or records its message when problems are being collected.</summary>
    public static void Report(InvalidSettingException problem)
    {
        if (Collected.Value is not { } problems)
        {
            throw problem;
        }

        problems.Add(problem.Message);
    }

    /// <summary>Throws <paramref name="problem"/>, or records each of its failures when problems are being collected.</summary>
    public static void Report(OptionsValidationException problem)
    {
        if (Collected.Value is not { } problems)
        {
            throw problem;
        }

        problems.AddRange(problem.Failures);
    }

    /// <summary>Until disposed, <see cref="Report(InvalidSettingException)"/> adds to <paramref name="problems"/> instead of throwing.</summary>
    internal static IDisposable Collect(List<string> problems)
    {
        var previous = Collected.Value;
        Collected.Value = problems;
        return new Restore(previous);
    }

    private sealed class Restore(List<string>? previous) : IDisposable
    {
        public void Dispose() => Collected.Value = previous;
    }
}
