namespace OpsConsole.Core.Hosting;

/// <summary>One pass of a background service's loop, run the one way every loop here runs it.</summary>
public static class BackgroundLoop
{
    /// <summary>
    /// Runs <paramref name="pass"/>. False when the host is stopping (leave the loop); true otherwise, also after a
    /// failure, which goes to <paramref name="onFailure"/>: an exception escaping a BackgroundService stops the whole host.
    /// </summary>
    public static async Task<bool> PassAsync(Func<CancellationToken, Task> pass, Action<Exception> onFailure, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(onFailure);
        try
        {
            await pass(stoppingToken);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
#pragma warning disable CA1031 // the point of the helper: any one failure is reported, the loop goes on
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            onFailure(ex);
            return true;
        }
    }
}
