namespace OpsConsole.Web.Shared;

/// <summary>
/// A page clock: calls <c>onTick</c> every interval until disposed (clocks, data ages, staleness that must advance
/// without any event). Start it from OnAfterRender so prerendering never starts one.
/// </summary>
public sealed class Ticker : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private Ticker()
    {
    }

    public static Ticker Start(TimeSpan interval, TimeProvider time, Func<Task> onTick)
    {
        ArgumentNullException.ThrowIfNull(onTick);
        var ticker = new Ticker();
        _ = ticker.RunAsync(interval, time, onTick);
        return ticker;
    }

    private async Task RunAsync(TimeSpan interval, TimeProvider time, Func<Task> onTick)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await onTick();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Disposed: the page went away.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
