using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;
using Polly;
using Polly.Retry;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// Sends queued notifications to <c>Alerts:Receivers</c>: Alertmanager's version-4 webhook payload of the group's
/// firing alerts (and, with SendResolved, those resolved since the group's last delivery), leaving out silenced and
/// inhibited alerts. Any instance may send: a row is claimed with <c>FOR UPDATE SKIP LOCKED</c>, so each is sent by
/// one. Retries follow <c>Alerts:Notify</c> (Polly, exponential backoff with jitter); the row is the delivery log.
/// </summary>
// Eight dependencies: a background sender needs its own scopes, HTTP clients, wake-up signal, bus, database state,
// options and clock; IServiceProvider only to find the server's address lazily (no IServer in some test hosts).
public sealed partial class AlertNotifier(
    IServiceScopeFactory scopes,
    IHttpClientFactory httpClients,
    NotificationSignal signal,
    ILiveEvents live,
    DatabaseState database,
    IOptions<AlertStoreOptions> options,
    IServiceProvider services,
    TimeProvider time,
    ILogger<AlertNotifier> logger) : BackgroundService
{
    public const string HttpClientName = "alert-notify";

    /// <summary>How often queued rows of other instances (and due group waits) are looked for without a signal.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>A claim older than this belongs to an instance that stopped mid-send: the group is queued again.</summary>
    public static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(5);

    private readonly IReadOnlyDictionary<string, AlertReceiver> _receivers = options.Value.ParsedReceivers().ToDictionary(r => r.Name, StringComparer.Ordinal);
    private readonly IReadOnlyList<InhibitRule> _inhibitRules = options.Value.InhibitRules();
    private DateTimeOffset _staleCheckedAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_receivers.Count == 0)
        {
            return;
        }

        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var running = await BackgroundLoop.PassAsync(
                async ct =>
                {
                    await RequeueStaleAsync(ct);
                    while (await SendNextAsync(ct))
                    {
                    }
                },
                ex => LogLoopFailed(ex.GetBaseException().Message),
                stoppingToken);
            if (!running)
            {
                break;
            }

            await signal.WaitAsync(PollInterval, time, stoppingToken);
        }
    }

    /// <summary>Claims and sends one due notification; false when none is due.</summary>
    internal async Task<bool> SendNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var now = time.GetUtcNow().ToUniversalTime();
        var claimed = (await db.Set<AlertNotification>()
            .FromSql($"""
                UPDATE console.alert_notifications SET status = 'sending', claimed_at = {now}, claimed_by = {live.InstanceId}
                WHERE id = (SELECT id FROM console.alert_notifications WHERE status = 'pending' AND not_before <= {now}
                            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING *
                """)
            .AsNoTracking()
            .ToListAsync(cancellationToken)).FirstOrDefault();
        if (claimed is null)
        {
            return false;
        }

        var outcome = _receivers.TryGetValue(claimed.Receiver, out var receiver)
            ? await DeliverAsync(db, claimed, receiver, cancellationToken)
            : new Outcome(AlertNotificationStatus.Failed, 0, null, $"receiver \"{claimed.Receiver}\" is no longer configured", 0, null);
        var completed = time.GetUtcNow().ToUniversalTime();
        await db.Database.ExecuteSqlAsync(
            $"""
            UPDATE console.alert_notifications SET status = {outcome.Status}, attempts = {outcome.Attempts}, http_status = {outcome.HttpStatus},
                error = {outcome.Error}, alert_count = {outcome.AlertCount}, payload_status = {outcome.PayloadStatus}, completed_at = {completed}
            WHERE id = {claimed.Id}
            """,
            cancellationToken);
        if (outcome.Status == AlertNotificationStatus.Failed)
        {
            LogDeliveryFailed(claimed.Receiver, claimed.GroupKey, outcome.Attempts, outcome.Error ?? "");
        }

        live.Publish(AlertTopics.Changed, new AlertsChanged("notifications", []));
        return true;
    }

    private async Task<Outcome> DeliverAsync(ConsoleDbContext db, AlertNotification row, AlertReceiver receiver, CancellationToken cancellationToken)
    {
        var message = await BuildAsync(db, row, receiver, cancellationToken);
        if (message is null)
        {
            return new Outcome(AlertNotificationStatus.Skipped, 0, null, "nothing to send: the group's alerts are silenced, inhibited or resolved", 0, null);
        }

        var attempts = 0;
        var settings = options.Value.Notify;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.MaxAttempts - 1,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.TooManyRequests),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            using var response = await pipeline.ExecuteAsync(async ct =>
            {
                attempts++;
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(settings.Timeout);
                using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = JsonContent.Create(message) };
                if (receiver.BearerToken is { } token)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                try
                {
                    return await httpClients.CreateClient(HttpClientName).SendAsync(request, attempt.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"no answer within {settings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
                }
            }, cancellationToken);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new Outcome(AlertNotificationStatus.Delivered, attempts, code, null, message.Alerts.Count, message.Status);
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return new Outcome(AlertNotificationStatus.Failed, attempts, code,
                $"HTTP {code} {response.ReasonPhrase}: {(body.Length > 300 ? body[..300] : body)}".TrimEnd(' ', ':'), message.Alerts.Count, message.Status);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException)
        {
            return new Outcome(AlertNotificationStatus.Failed, attempts, null, ex.Message, message.Alerts.Count, message.Status);
        }
    }

    /// <summary>The group's payload as of now, or null when nothing in it may be sent.</summary>
    internal async Task<AlertmanagerWebhookMessage?> BuildAsync(ConsoleDbContext db, AlertNotification row, AlertReceiver receiver, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUniversalTime();
        var groupLabels = AlertText.ParseLabels(row.GroupLabels);
        var lastDelivered = await db.Set<AlertNotification>().AsNoTracking()
            .Where(n => n.Receiver == row.Receiver && n.GroupKey == row.GroupKey && n.Status == AlertNotificationStatus.Delivered)
            .MaxAsync(n => n.CompletedAt, cancellationToken);
        var resolvedSince = lastDelivered ?? row.CreatedAt;
        var firing = await db.Set<StoredAlert>().AsNoTracking().Where(a => a.State == "firing").ToListAsync(cancellationToken);
        // Resolved since the group's last delivery by when the console recorded it (a source may report an earlier end).
        var resolved = receiver.SendResolved
            ? await db.Set<StoredAlert>().AsNoTracking()
                .Where(a => a.State == "resolved" && db.Set<AlertTimelineEntry>().Any(t => t.AlertId == a.Id && t.ToState == "resolved" && t.At > resolvedSince))
                .ToListAsync(cancellationToken)
            : [];
        var silences = (await db.Set<StoredSilence>().AsNoTracking().Where(s => s.StartsAt <= now && s.EndsAt > now).ToListAsync(cancellationToken))
            .Select(Silence.From).ToList();
        var firingLabels = firing.Select(a => (Row: a, Labels: AlertText.ParseLabels(a.Labels))).ToList();
        var inhibited = Inhibition.Compute([.. firingLabels.Select(a => new InhibitionCandidate<long>(a.Row.Id, a.Labels, true))], _inhibitRules);

        bool InGroup(LabelSet labels) =>
            AlertMatchers.MatchesAll(receiver.Matchers, labels) && NotificationQueue.GroupLabels(receiver, labels).Equals(groupLabels);

        var send = firingLabels
            .Where(a => InGroup(a.Labels) && !inhibited.ContainsKey(a.Row.Id) && !silences.Any(s => s.Matches(a.Labels)))
            .Concat(resolved.Select(a => (Row: a, Labels: AlertText.ParseLabels(a.Labels))).Where(a => InGroup(a.Labels) && a.Row.SilencedBy.Length == 0))
            .OrderBy(a => a.Row.Id)
            .ToList();
        if (send.Count == 0)
        {
            return null;
        }

        var external = ExternalUrl();
        var alerts = send.Select(a => new AlertmanagerWebhookAlert(
            a.Row.State,
            a.Labels.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
            AlertText.ParseMap(a.Row.Annotations),
            a.Row.ActiveAt,
            a.Row.State == "resolved" ? a.Row.ResolvedAt ?? now : AlertmanagerPayload.NoTime,
            a.Row.GeneratorUrl ?? $"{external}/alerts/{a.Row.Id.ToString(CultureInfo.InvariantCulture)}",
            a.Row.Fingerprint)).ToList();
        return new AlertmanagerWebhookMessage(
            AlertmanagerPayload.Version,
            row.GroupKey,
            0,
            alerts.Any(a => a.Status == "firing") ? "firing" : "resolved",
            receiver.Name,
            groupLabels.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
            Common(alerts.Select(a => a.Labels)),
            Common(alerts.Select(a => a.Annotations)),
            external,
            alerts);
    }

    /// <summary>Labels (or annotations) every alert has with the same value, as Alertmanager computes commonLabels.</summary>
    internal static Dictionary<string, string> Common(IEnumerable<IReadOnlyDictionary<string, string>> maps)
    {
        Dictionary<string, string>? common = null;
        foreach (var map in maps)
        {
            if (common is null)
            {
                common = new Dictionary<string, string>(map, StringComparer.Ordinal);
                continue;
            }

            foreach (var key in common.Keys.ToList())
            {
                if (!map.TryGetValue(key, out var value) || !string.Equals(value, common[key], StringComparison.Ordinal))
                {
                    common.Remove(key);
                }
            }
        }

        return common ?? [];
    }

    /// <summary>Rows claimed by an instance that never finished: marked failed, and their group queued again (at least once).</summary>
    private async Task RequeueStaleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUniversalTime();
        if (now - _staleCheckedAt < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _staleCheckedAt = now;
        var before = now - StaleClaim;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        await db.Database.ExecuteSqlAsync(
            $"""
            WITH stale AS (
                UPDATE console.alert_notifications SET status = 'failed', completed_at = {now},
                    error = 'the sending console instance stopped before it finished; sent again'
                WHERE status = 'sending' AND claimed_at < {before}
                RETURNING receiver, group_key, group_labels)
            INSERT INTO console.alert_notifications (receiver, group_key, group_labels, status, created_at, not_before, attempts, alert_count)
            SELECT receiver, group_key, group_labels, 'pending', {now}, {now}, 0, 0 FROM stale
            ON CONFLICT (receiver, group_key) WHERE status = 'pending' DO NOTHING
            """,
            cancellationToken);
    }

    private string ExternalUrl()
    {
        if (!string.IsNullOrWhiteSpace(options.Value.ExternalUrl))
        {
            return options.Value.ExternalUrl.TrimEnd('/');
        }

        var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return (address ?? "").TrimEnd('/');
    }

    private sealed record Outcome(string Status, int Attempts, int? HttpStatus, string? Error, int AlertCount, string? PayloadStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert notifications could not be processed: {Reason}")]
    private partial void LogLoopFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification to receiver {Receiver} (group {GroupKey}) failed after {Attempts} attempt(s): {Error}")]
    private partial void LogDeliveryFailed(string receiver, string groupKey, int attempts, string error);
}
