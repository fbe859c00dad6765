using CertStream.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;

namespace CertStream.Tests.ServiceDefaults.Hosting;

public sealed class OperatorCommandTests
{
    [Theory]
    [InlineData(new string[0], OperatorCommandKind.Run)]
    [InlineData(new[] { "--validate-config" }, OperatorCommandKind.ValidateConfig)]
    [InlineData(new[] { "--version" }, OperatorCommandKind.Version)]
    [InlineData(new[] { "-h" }, OperatorCommandKind.Help)]
    [InlineData(new[] { "--validate-config", "--help" }, OperatorCommandKind.Help)]
    [InlineData(new[] { "--version", "--validate-config" }, OperatorCommandKind.Version)]
    public void TheSwitchIsFound(string[] args, OperatorCommandKind kind) => Assert.Equal(kind, OperatorCommand.Parse(args).Kind);

    [Fact]
    public void TheSwitchesAreTakenOutOfTheConfigurationArguments()
    {
        var command = OperatorCommand.Parse(["--urls", "http://127.0.0.1:5000", "--validate-config", "--ct_log:batch_size=5", "--log_level", "debug"]);

        Assert.Equal(OperatorCommandKind.ValidateConfig, command.Kind);
        // Left in, the command-line provider would read "--validate-config --ct_log:batch_size=5" as one key and its value.
        var configuration = new ConfigurationBuilder().AddCommandLine(command.ConfigurationArgs).Build();
        Assert.Equal("http://127.0.0.1:5000", configuration["urls"]);
        Assert.Equal("5", configuration["ct_log:batch_size"]);
        Assert.Equal("debug", configuration["log_level"]);
    }

    [Fact]
    public void AValueThatLooksLikeASwitchStaysConfiguration()
    {
        var command = OperatorCommand.Parse(["--ct_log:state_file", "--version"]);

        Assert.Equal(OperatorCommandKind.Run, command.Kind);
        Assert.Equal(["--ct_log:state_file", "--version"], command.ConfigurationArgs);
    }

    [Fact]
    public void AValueTheBinderCannotConvertIsOneLineNamingTheKeyAndVariable()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ct_log:batch_size"] = "lots" }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => configuration.GetSection("ct_log").Get<BatchOptions>());

        Assert.Equal("ct_log:batch_size (CERTSTREAM_CT_LOG_BATCH_SIZE): the value is not a whole number.", StartupErrors.DescribeBindingError(error));
        Assert.Equal("ct_log:batch_size", StartupErrors.BindingErrorKey(error));
        Assert.Null(StartupErrors.DescribeBindingError(new InvalidOperationException("something else")));
    }

    private sealed class BatchOptions
    {
        [ConfigurationKeyName("batch_size")] public int BatchSize { get; init; }
    }
}
