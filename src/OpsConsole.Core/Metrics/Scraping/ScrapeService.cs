using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.Scraping;

/// <summary>A target's scrape health, as the Targets page shows it.</summary>
public sealed record TargetHealth(
    string Name,
    string Url,
    bool Up,
    DateTimeOffset? LastScrape,
    TimeSpan? LastDuration,
    int Samples,
    int Series,
    string? LastError,
    long Scrapes,
    long Failures);

public static class MetricsTopics
{
    /// <summary>After each scrape of a target (this instance's store; not distributed).</summary>
    public static LiveTopic<TargetHealth> TargetScraped { get; } = new("metrics.target.scraped");
}

/// <summary>
/// Scrapes every configured target on its interval, each in its own loop so a slow or broken target never delays
/// another; bounded by a timeout and a byte cap; failures are described in words and mark the target's series stale.
/// </summary>
public sealed partial class ScrapeService(
    IOptions<MetricsOptions> options,
    MetricStore store,
    IHttpClientFactory httpClients,
    ILiveEvents live,
    TimeProvider time,
    ILogger<ScrapeService> logger,
    IEnumerable<IFirstScrapeGate>? gates = null) : BackgroundService
{
    public const string HttpClientName = "scraper";
    private const string Accept = "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private static readonly Prometheus.Counter Scrapes = Prometheus.Metrics.CreateCounter(
        "opsconsole_scrapes_total", "Scrapes of configured targets.", "target");

    private static readonly Prometheus.Counter ScrapeFailures = Prometheus.Metrics.CreateCounter(
        "opsconsole_scrape_failures_total", "Failed scrapes by reason.", "target", "reason");

    private static readonly Prometheus.Gauge StoreSeries = Prometheus.Metrics.CreateGauge(
        "opsconsole_metric_store_series", "Series held in the in-memory metric store.");

    private static readonly Prometheus.Gauge StoreBytes = Prometheus.Metrics.CreateGauge(
        "opsconsole_metric_store_bytes", "Estimated bytes used by the in-memory metric store.");

    private static readonly Prometheus.Gauge StoreDropped = Prometheus.Metrics.CreateGauge(
        "opsconsole_metric_store_dropped_series", "Series refused by the store's caps since start.");

    private static readonly Prometheus.Gauge StoreSamplesDropped = Prometheus.Metrics.CreateGauge(
        "opsconsole_metric_store_samples_dropped_for_memory", "Samples younger than the retention overwritten because Metrics:MaxBytes stopped their series from growing.");

    private readonly ConcurrentDictionary<string, TargetHealth> _health = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<ScrapeTarget> _added = [];
    private readonly List<Task> _addedLoops = [];
    private CancellationToken? _stopping;

    /// <summary>Configured targets first, then those added at run time (the console itself), with their health.</summary>
    public IReadOnlyList<TargetHealth> Targets =>
        [.. AllTargets().Select(t => _health.TryGetValue(t.Name, out var h) ? h : new TargetHealth(t.Name, t.Url, false, null, null, 0, 0, "not scraped yet", 0, 0))];

    /// <summary>Adds a target at run time (e.g. the console's own /metrics once its address is known); false if the name is taken.</summary>
    public bool AddTarget(ScrapeTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        lock (_gate)
        {
            if (AllTargets().Any(t => string.Equals(t.Name, target.Name, StringComparison.Ordinal)))
            {
                return false;
            }

            _added.Add(target);
            if (_stopping is { } stopping)
            {
                _addedLoops.Add(LoopAsync(target, 0, stopping));
            }

            return true;
        }
    }

    private IEnumerable<ScrapeTarget> AllTargets()
    {
        lock (_gate)
        {
            return [.. options.Value.Targets, .. _added];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        List<Task> loops;
        lock (_gate)
        {
            _stopping = stoppingToken;
            loops = [.. AllTargets().Select((target, i) => LoopAsync(target, i, stoppingToken))];
        }

        loops.Add(CompactLoopAsync(stoppingToken));
        await Task.WhenAll(loops);
        Task[] added;
        lock (_gate)
        {
            added = [.. _addedLoops];
        }

        await Task.WhenAll(added);
    }

    private async Task LoopAsync(ScrapeTarget target, int index, CancellationToken stoppingToken)
    {
        var interval = options.Value.ScrapeInterval;
        try
        {
            // Spread targets over the interval so they do not all fire in the same instant.
            var count = Math.Max(1, options.Value.Targets.Count + 1);
            await Task.Delay(interval * index / count, time, stoppingToken);
            await WaitForGatesAsync(target, stoppingToken);
            using var timer = new PeriodicTimer(interval, time);
            do
            {
                await ScrapeOnceAsync(target, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task WaitForGatesAsync(ScrapeTarget target, CancellationToken stoppingToken)
    {
        foreach (var gate in gates ?? [])
        {
            if (gate.Holds(target.Name) is { } reason)
            {
                _health[target.Name] = new TargetHealth(target.Name, target.Url, false, null, null, 0, 0, reason, 0, 0);
                live.Publish(MetricsTopics.TargetScraped, _health[target.Name]);
                await gate.WaitAsync(target.Name, stoppingToken);
            }
        }
    }

    private async Task CompactLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                store.Compact(time.GetUtcNow().ToUnixTimeMilliseconds());
                PublishStoreGauges();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One scrape of one target (also used by tests and a "scrape now" action).</summary>
    public async Task<TargetHealth> ScrapeOnceAsync(ScrapeTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var labels = target.StoreLabels();
        var started = time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        string? error = null;
        string reason = "";
        IngestResult result = default;
        byte[]? buffer = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ScrapeTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
            request.Headers.TryAddWithoutValidation("Accept", Accept);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                (error, reason) = ($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(), "http_status");
            }
            else
            {
                var (bytes, length) = await ReadBoundedAsync(response, options.Value.MaxScrapeBytes, timeout.Token);
                buffer = bytes;
                if (length < 0)
                {
                    (error, reason) = ($"response larger than {options.Value.MaxScrapeBytes:N0} bytes (Metrics:MaxScrapeBytes)", "too_large");
                }
                else
                {
                    var format = ExpositionParser.FormatOf(response.Content.Headers.ContentType?.ToString());
                    result = store.Ingest(target.Name, labels, bytes.AsSpan(0, length), format, started.ToUnixTimeMilliseconds());
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            (error, reason) = ($"timeout after {options.Value.ScrapeTimeout.TotalSeconds:0.#} s (Metrics:ScrapeTimeout)", "timeout");
        }
        catch (HttpRequestException ex)
        {
            (error, reason) = (Describe(ex), "connection");
        }
        catch (ExpositionFormatException ex)
        {
            (error, reason) = (ex.Message, "parse");
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        stopwatch.Stop();
        var now = started.ToUnixTimeMilliseconds();
        if (error is not null)
        {
            store.MarkTargetStale(target.Name, now);
            ScrapeFailures.WithLabels(target.Name, reason).Inc();
            LogFailed(target.Name, error);
        }

        store.WriteSynthetic(target.Name, labels, "up", error is null ? 1 : 0, now);
        store.WriteSynthetic(target.Name, labels, "scrape_duration_seconds", stopwatch.Elapsed.TotalSeconds, now);
        store.WriteSynthetic(target.Name, labels, "scrape_samples_scraped", result.Samples, now);
        Scrapes.WithLabels(target.Name).Inc();
        var previous = _health.GetValueOrDefault(target.Name);
        var health = new TargetHealth(
            target.Name, target.Url, error is null, started, stopwatch.Elapsed, result.Samples, store.SeriesCountOf(target.Name),
            error ?? DescribeDrops(result), (previous?.Scrapes ?? 0) + 1, (previous?.Failures ?? 0) + (error is null ? 0 : 1));
        _health[target.Name] = health;
        PublishStoreGauges();
        live.Publish(MetricsTopics.TargetScraped, health);
        return health;
    }

    private static string? DescribeDrops(IngestResult result) => result.DroppedSeries > 0
        ? $"series limit reached: {result.DroppedSeries} new series dropped (Metrics:MaxSeriesPerTarget / MaxSeries / MaxBytes)"
        : result.Duplicates > 0 ? $"{result.Duplicates} duplicate series in the response (the first of each was kept)" : null;

    private void PublishStoreGauges()
    {
        StoreSeries.Set(store.SeriesCount);
        StoreBytes.Set(store.BytesUsed);
        StoreDropped.Set(store.DroppedSeriesTotal);
        StoreSamplesDropped.Set(store.SamplesDroppedForMemory);
    }

    /// <summary>Reads the body into a pooled buffer; length -1 when it exceeds the cap (the caller returns the buffer).</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(HttpResponseMessage response, long maxBytes, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            return (ArrayPool<byte>.Shared.Rent(1), -1);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(maxBytes + 1, response.Content.Headers.ContentLength + 1 ?? 64 * 1024));
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    return (buffer, -1);
                }

                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(maxBytes + 1, (long)buffer.Length * 2));
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return (buffer, length > maxBytes ? -1 : length);
            }

            length += read;
            if (length > maxBytes)
            {
                return (buffer, -1);
            }
        }
    }

    internal static string Describe(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => "host not found",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "connection timed out",
        SocketException socket => $"network error: {socket.SocketErrorCode}",
        System.Security.Authentication.AuthenticationException => "TLS handshake failed",
        _ => ex.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "connection failed",
            HttpRequestError.ResponseEnded => "the target closed the connection mid-response",
            HttpRequestError.InvalidResponse => "invalid HTTP response",
            _ => ex.Message,
        },
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrape of {Target} failed: {Error}")]
    private partial void LogFailed(string target, string error);

    /// <summary>Calls <paramref name="onChanged"/> after scrapes (a target's health changed), at most four times a second.</summary>
    public IDisposable OnTargetsChanged(Func<Task> onChanged) =>
        live.SubscribeThrottled(MetricsTopics.TargetScraped, TimeSpan.FromMilliseconds(250), onChanged);
}
