using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly;
using Polly.Retry;

namespace OpsConsole.Core.Live;

/// <summary>
/// Forwards <see cref="LiveTopic{T}.Distributed"/> events between instances over PostgreSQL LISTEN/NOTIFY.
/// One dedicated connection LISTENs; sends use short-lived pooled connections, so a long WaitAsync never blocks NOTIFY.
/// Delivery is best-effort: NOTIFY is not durable, so events published while a connection is down are lost.
/// </summary>
public sealed partial class PostgresLiveEventBridge : BackgroundService
{
    public const string ChannelName = "opsconsole_live";

    /// <summary>PostgreSQL rejects NOTIFY payloads of 8000 bytes or more (default build).</summary>
    internal const int MaxNotifyPayloadBytes = 7999;

    /// <summary>How long LISTEN may sit idle before a round-trip probe, so a silently dead connection is noticed.</summary>
    internal static readonly TimeSpan IdleProbeInterval = TimeSpan.FromSeconds(30);

    private readonly LiveEventBus _bus;
    private readonly Func<string> _connectionString;
    private readonly ILogger<PostgresLiveEventBridge> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PostgresLiveEventBridge(LiveEventBus bus, Func<string> connectionString, ILogger<PostgresLiveEventBridge>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(connectionString);
        _bus = bus;
        _connectionString = connectionString;
        _logger = logger ?? NullLogger<PostgresLiveEventBridge>.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Completes once the LISTEN is active (each reconnect re-LISTENs); lets callers/tests avoid racing the first NOTIFY.</summary>
    public Task Listening => _listening.Task;

    /// <summary>Serializes an outbound item to the NOTIFY wire format (a camelCase <see cref="LiveEventEnvelope"/>).</summary>
    internal static string Serialize(LiveItem item, out int utf8Bytes)
    {
        var json = JsonSerializer.Serialize(item.ToEnvelope(), LiveJson.Options);
        utf8Bytes = Encoding.UTF8.GetByteCount(json);
        return json;
    }

    /// <summary>Serializes for NOTIFY; false (logged and counted) when unserializable or over the 8000-byte limit.</summary>
    internal bool TryPrepareNotify(LiveItem item, out string json)
    {
        int bytes;
        try
        {
            json = Serialize(item, out bytes);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            LogSerializeFailed(_logger, item.Topic, ex);
            json = string.Empty;
            return false;
        }

        if (bytes > MaxNotifyPayloadBytes)
        {
            _bus.OnNotifyOversize(item.Topic, bytes);
            return false;
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var builder = new NpgsqlDataSourceBuilder(_connectionString()) { Name = "console-live" }; // /metrics labels pools by this name
        await using var dataSource = builder.Build();
        var outbound = _bus.StartForwarding();
        try
        {
            await Task.WhenAll(
                ListenLoopAsync(dataSource, stoppingToken),
                SendLoopAsync(dataSource, outbound, stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // normal shutdown
        }
        finally
        {
            _bus.StopForwarding();
        }
    }

    private ResiliencePipeline CreateRetryPipeline(string what) =>
        new ResiliencePipelineBuilder { TimeProvider = _timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                // Unlimited attempts until the host stops; exponential backoff with jitter capped at ~10 s.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(10),
                // Everything but our own shutdown is retried: an unexpected OCE must not fault the service and stop the host.
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex
                    && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                OnRetry = args =>
                {
                    LogRetry(_logger, what, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private async Task ListenLoopAsync(NpgsqlDataSource dataSource, CancellationToken stoppingToken)
    {
        var pipeline = CreateRetryPipeline("LISTEN");
        await pipeline.ExecuteAsync(
            async ct =>
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                LogListening(_logger, ChannelName, _bus.InstanceId);
                _listening.TrySetResult();
                while (true)
                {
                    // WaitAsync returns false on timeout: probe the connection so a dead socket throws and triggers a reconnect.
                    if (!await connection.WaitAsync(IdleProbeInterval, ct))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(ct);
                    }
                }
            },
            stoppingToken);
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        // Runs on the LISTEN loop; DeliverRemote only does non-blocking channel writes and ignores our own echoes.
        if (string.Equals(e.Channel, ChannelName, StringComparison.Ordinal))
        {
            _bus.DeliverRemoteJson(e.Payload);
        }
    }

    private async Task SendLoopAsync(NpgsqlDataSource dataSource, System.Threading.Channels.ChannelReader<LiveItem> outbound, CancellationToken stoppingToken)
    {
        var pipeline = CreateRetryPipeline("NOTIFY");
        await foreach (var item in outbound.ReadAllAsync(stoppingToken))
        {
            if (!TryPrepareNotify(item, out var json))
            {
                continue;
            }

            // Retries this one item until it is sent; meanwhile new items queue (and drop oldest) in the bus.
            await pipeline.ExecuteAsync(
                async (state, ct) =>
                {
                    await using var connection = await state.DataSource.OpenConnectionAsync(ct);
                    await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                    notify.Parameters.AddWithValue("channel", ChannelName);
                    notify.Parameters.AddWithValue("payload", state.Json);
                    await notify.ExecuteNonQueryAsync(ct);
                },
                (DataSource: dataSource, Json: json),
                stoppingToken);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Live event bridge listening on {Channel} as instance {Instance}")]
    private static partial void LogListening(ILogger logger, string channel, string instance);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Live event bridge {What} failed; retry {Attempt} in {Delay}")]
    private static partial void LogRetry(ILogger logger, string what, int attempt, TimeSpan delay, Exception? exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Live event on topic {Topic} could not be serialized for NOTIFY")]
    private static partial void LogSerializeFailed(ILogger logger, string topic, Exception exception);
}
