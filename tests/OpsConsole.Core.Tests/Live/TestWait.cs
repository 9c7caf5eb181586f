namespace OpsConsole.Core.Tests.Live;

/// <summary>Condition waits with a timeout (no fixed sleeps as synchronization).</summary>
internal static class TestWait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task UntilAsync(Func<bool> condition, string because)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting until {because}");
            }

            await Task.Delay(2, CancellationToken.None);
        }
    }

    public static async Task<T> WithTimeout<T>(this Task<T> task) => await task.WaitAsync(Timeout);

    public static async Task WithTimeout(this Task task) => await task.WaitAsync(Timeout);
}
