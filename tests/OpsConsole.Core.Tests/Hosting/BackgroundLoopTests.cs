using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Tests.Hosting;

public sealed class BackgroundLoopTests
{
    [Fact]
    public async Task A_pass_that_succeeds_keeps_the_loop_going()
    {
        var ran = false;
        Assert.True(await BackgroundLoop.PassAsync(_ => { ran = true; return Task.CompletedTask; }, _ => Assert.Fail("no failure"), CancellationToken.None));
        Assert.True(ran);
    }

    [Fact]
    public async Task A_failure_is_reported_and_the_loop_goes_on()
    {
        Exception? reported = null;
        var going = await BackgroundLoop.PassAsync(_ => throw new InvalidOperationException("boom"), ex => reported = ex, CancellationToken.None);
        Assert.True(going);
        Assert.Equal("boom", reported?.Message);
    }

    [Fact]
    public async Task Stopping_the_host_ends_the_loop_without_a_report()
    {
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();
        var going = await BackgroundLoop.PassAsync(ct => Task.Delay(1000, ct), _ => Assert.Fail("a stop is not a failure"), stopping.Token);
        Assert.False(going);
    }

    [Fact]
    public async Task A_cancellation_that_is_not_the_hosts_stop_is_not_swallowed() =>
        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            BackgroundLoop.PassAsync(_ => throw new OperationCanceledException(), _ => { }, CancellationToken.None));
}
