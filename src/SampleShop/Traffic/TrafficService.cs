using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using SampleShop.Hosting;

namespace SampleShop.Traffic;

/// <summary>
/// Demo load over real HTTP against the shop itself (SampleShop:Traffic:Enabled): a steady request rate, and from
/// time to time a burst that trips the rate limiter. Starts once the server listens and stops with the host.
/// </summary>
public sealed partial class TrafficService(
    IOptions<ShopOptions> options,
    IHttpClientFactory httpClients,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<TrafficService> logger) : BackgroundService
{
    public const string HttpClientName = "traffic";
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var traffic = options.Value.Traffic;
        if (!traffic.Enabled)
        {
            return;
        }

        if (!await WaitUntilStartedAsync(stoppingToken))
        {
            return;
        }

        var http = httpClients.CreateClient(HttpClientName);
        http.BaseAddress = new Uri(string.IsNullOrWhiteSpace(traffic.BaseUrl) ? OwnAddress() : traffic.BaseUrl);
        var sessions = options.Value.Sessions;
        using var generator = new TrafficGenerator(http, traffic, Random.Shared, sessions.Enabled && !string.IsNullOrEmpty(sessions.SignToken));
        LogStarted(http.BaseAddress, traffic.RequestsPerSecond, traffic.BurstRequests, traffic.BurstInterval);

        var nextBurst = time.GetUtcNow() + traffic.FirstBurstAfter;
        var burst = Task.CompletedTask;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / traffic.RequestsPerSecond), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (traffic.BurstRequests > 0 && burst.IsCompleted && time.GetUtcNow() >= nextBurst)
                {
                    LogBurst(traffic.BurstRequests);
                    burst = generator.RunBurstAsync(traffic.BurstRequests, stoppingToken);
                    // ±20% so bursts do not line up with scrape intervals.
                    nextBurst = time.GetUtcNow() + (traffic.BurstInterval * (0.8 + (0.4 * Random.Shared.NextDouble())));
                }

                generator.TryStartOne(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await burst;
        await generator.DrainAsync(DrainTimeout);
    }

    private async Task<bool> WaitUntilStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The shop's first listening address, with a wildcard host (0.0.0.0, [::]) replaced by loopback.</summary>
    private string OwnAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The shop listens nowhere; set SampleShop:Traffic:BaseUrl.");
        var uri = new UriBuilder(address);
        if (IPAddress.TryParse(uri.Host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
        {
            uri.Host = "127.0.0.1";
        }

        return uri.Uri.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Traffic generator sending to {BaseAddress}: {RequestsPerSecond}/s, bursts of {BurstRequests} about every {BurstInterval}")]
    private partial void LogStarted(Uri baseAddress, double requestsPerSecond, int burstRequests, TimeSpan burstInterval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Traffic burst of {Requests} requests")]
    private partial void LogBurst(int requests);
}
