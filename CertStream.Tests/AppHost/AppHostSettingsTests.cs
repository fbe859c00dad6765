using Aspire.Hosting.Testing;

namespace CertStream.Tests.AppHost;

/// <summary>
/// Settings with defaults are plain values now, not parameters: a wrong one must stop the AppHost
/// at once with its key, instead of reaching a service as garbage.
/// </summary>
public sealed class AppHostSettingsTests
{
    [Theory]
    [InlineData("Parameters:auth-enabled", "maybe")]
    [InlineData("Parameters:ct-logs-url", "not a url")]
    [InlineData("Parameters:ct-logs-url", "ftp://example.com/list.json")]
    public async Task AnInvalidSettingStopsTheModelNamingItsKey(string key, string value)
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CertStream_AppHost>(
                [$"{key}={value}", "ASPIRE_VERSION_CHECK_DISABLED=true"], ct);
            await using var app = await builder.BuildAsync(ct);
        });

        var messages = string.Join("\n", Flatten(error).Select(e => e.Message));
        Assert.Contains($"{key}: '{value}'", messages);
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
