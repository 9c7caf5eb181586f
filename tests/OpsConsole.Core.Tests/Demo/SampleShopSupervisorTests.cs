using OpsConsole.Core.Demo;

namespace OpsConsole.Core.Tests.Demo;

public sealed class SampleShopSupervisorTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 8)]
    [InlineData(4, 16)]
    [InlineData(5, 30)]
    [InlineData(1000, 30)]
    public void Restarts_back_off_exponentially_up_to_thirty_seconds(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SampleShopSupervisor.Backoff(failures));
}
