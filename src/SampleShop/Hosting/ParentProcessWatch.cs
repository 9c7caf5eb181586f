using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace SampleShop.Hosting;

/// <summary>
/// Stops the shop when the process that launched it (the console, <see cref="ShopOptions.ParentProcessId"/>) is gone,
/// even if it was killed without a chance to stop its children: a demo must never outlive its console.
/// </summary>
public sealed partial class ParentProcessWatch(
    IOptions<ShopOptions> options, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<ParentProcessWatch> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.ParentProcessId is not { } pid)
        {
            return;
        }

        // The start time tells the parent from a later process that reuses its pid.
        var startedAt = StartTimeOf(pid);
        if (startedAt is null)
        {
            LogParentGone(pid);
            lifetime.StopApplication();
            return;
        }

        using var timer = new PeriodicTimer(PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (StartTimeOf(pid) != startedAt)
                {
                    LogParentGone(pid);
                    lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private static DateTime? StartTimeOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parent process {ParentProcessId} is gone; stopping the shop")]
    private partial void LogParentGone(int parentProcessId);
}
