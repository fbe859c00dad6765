namespace CertStream.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void ContractsNameEveryStream()
    {
        Assert.Equal(3, CertStream.Contracts.StreamKinds.All.Length);
    }
}
