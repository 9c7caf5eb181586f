using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Live;
using Prometheus;

namespace OpsConsole.Core.Keys;

/// <summary>How one scraped service (job) used one kid over the last hour: tokens it validated, and its failures by reason.</summary>
public sealed record KeyConsumerUsage(string Job, string Kid, double Validated, IReadOnlyDictionary<string, double> Failures)
{
    public double Failed => Failures.Values.Sum();
}

/// <summary>
/// Watches every ring (from the JWKS cache's in-memory versions: no query of its own) and the services that validate its
/// tokens (their scraped <c>jwt_tokens_validated_total{kid}</c> and <c>jwt_token_validation_failures_total{reason,kid}</c>):
/// exports the rings' state to <c>/metrics</c> for rules/keys.rules.yml, and puts what needs a person on the status
/// board: no signing key, a rotation overdue or near with no successor, a consumer failing on a key that is gone.
/// </summary>
public sealed partial class KeyWatch(
    ConfiguredKeyRings rings, JwksCache jwks, IServiceProvider services, ILiveEvents live, TimeProvider time, ILogger<KeyWatch> logger)
    : BackgroundService, IAttentionSource
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>The window of consumer usage: long enough to see a consumer that validates a few tokens an hour.</summary>
    public const string UsageWindow = "1h";

    /// <summary>After a scheduled rotation was due by this much, it is overdue: the scheduler looks every minute.</summary>
    public static readonly TimeSpan OverdueAfter = TimeSpan.FromHours(1);

    private static readonly Gauge NextRotation = Prometheus.Metrics.CreateGauge("opsconsole_key_ring_next_rotation_timestamp_seconds",
        "When the ring's next rotation is due (its newest key's activation + RotationPeriod - LeadTime), Unix seconds.", "ring");

    private static readonly Gauge SigningExpiry = Prometheus.Metrics.CreateGauge("opsconsole_key_ring_signing_key_expiry_timestamp_seconds",
        "When the signing key's period ends (its activation + RotationPeriod), Unix seconds; absent without a signing key.", "ring");

    private static readonly Gauge WarnBefore = Prometheus.Metrics.CreateGauge("opsconsole_key_ring_warn_before_seconds",
        "The ring's WarnBefore: a signing key this close to its expiry with no successor published is alerted.", "ring");

    private static readonly Gauge Keys = Prometheus.Metrics.CreateGauge("opsconsole_key_ring_keys",
        "Key versions of the ring by state (scheduled, pending, active, retired, removed, revoked).", "ring", "state");

    private static readonly Gauge HasSigner = Prometheus.Metrics.CreateGauge("opsconsole_key_ring_has_signing_key",
        "1 when a key of the ring signs now, 0 when none does (the sign API refuses).", "ring");

    private static readonly LiveTopic<int> Updated = new("keys.attention.updated");

    private volatile IReadOnlyList<AttentionItem> _items = [];
    private volatile IReadOnlyDictionary<string, IReadOnlyList<KeyConsumerUsage>> _usage = new Dictionary<string, IReadOnlyList<KeyConsumerUsage>>();

    public string Section => "Signing keys";

    public string Policy => ConsolePolicies.KeysRead;

    public IReadOnlyList<AttentionItem> Items => _items;

    public IDisposable OnChanged(Func<Task> onChanged) => live.SubscribeThrottled(Updated, TimeSpan.FromMilliseconds(500), onChanged);

    /// <summary>Consumers of <paramref name="ring"/>'s keys (by job and kid) at the last look; empty when none report.</summary>
    public IReadOnlyList<KeyConsumerUsage> ConsumersOf(string ring) => _usage.GetValueOrDefault(ring) ?? [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (rings.Rings.Count == 0)
        {
            return;
        }

        using var changed = live.Subscribe(KeyTopics.Changed, _ => LookAsync(stoppingToken));
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            await LookAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One look (internal for tests): gauges, consumer usage and the board's items.</summary>
    internal async Task LookAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var usage = await ReadUsageAsync(now, ct);
        var items = new List<AttentionItem>();
        foreach (var ring in rings.Rings)
        {
            if (jwks.VersionsOf(ring.Name) is not { } versions)
            {
                continue; // not read yet
            }

            var snapshot = KeyTimeline.Snapshot(ring, versions, now);
            Export(ring, snapshot);
            var consumers = Attribute(versions, usage);
            var seen = ConsumersOf(ring.Name);
            _usage = new Dictionary<string, IReadOnlyList<KeyConsumerUsage>>(_usage, StringComparer.Ordinal) { [ring.Name] = consumers };
            if (!SameUsage(seen, consumers))
            {
                live.Publish(KeyTopics.ConsumersChanged, ring.Name);
            }

            items.AddRange(ItemsOf(ring, snapshot, consumers));
        }

        var before = _items;
        _items = items;
        if (!before.Select(i => (i.Key, i.Title)).SequenceEqual(items.Select(i => (i.Key, i.Title))))
        {
            live.Publish(Updated, items.Count);
        }
    }

    private static void Export(KeyRing ring, KeyRingSnapshot snapshot)
    {
        foreach (var state in Enum.GetValues<KeyState>())
        {
            Keys.WithLabels(ring.Name, state.ToString().ToLowerInvariant()).Set(snapshot.Versions.Count(v => v.State == state));
        }

        HasSigner.WithLabels(ring.Name).Set(snapshot.Signing is null ? 0 : 1);
        WarnBefore.WithLabels(ring.Name).Set(ring.WarnBefore.TotalSeconds);
        if (snapshot.NextRotationDue is { } due)
        {
            NextRotation.WithLabels(ring.Name).Set(due.ToUnixTimeMilliseconds() / 1000.0);
        }

        if (snapshot.Signing is { } signing)
        {
            SigningExpiry.WithLabels(ring.Name).Set((signing.ActivateAt + ring.RotationPeriod).ToUnixTimeMilliseconds() / 1000.0);
        }
        else
        {
            SigningExpiry.RemoveLabelled(ring.Name);
        }
    }

    /// <summary>The board's items for a ring: pure, for tests.</summary>
    internal static IReadOnlyList<AttentionItem> ItemsOf(KeyRing ring, KeyRingSnapshot snapshot, IReadOnlyList<KeyConsumerUsage> consumers)
    {
        var href = $"/keys/{ring.Name}";
        var items = new List<AttentionItem>();
        var now = snapshot.Now;
        if (snapshot.Versions.Count > 0 && snapshot.Signing is null)
        {
            items.Add(new AttentionItem($"keys-no-signer:{ring.Name}", AttentionLevel.Critical, $"{ring.Name}: no signing key",
                "every key is revoked or removed: the sign API refuses and new tokens cannot be issued; rotate the ring", now, href));
        }
        else if (snapshot.NextRotationDue is { } due && now - due >= OverdueAfter)
        {
            items.Add(new AttentionItem($"keys-overdue:{ring.Name}", AttentionLevel.Warning, $"{ring.Name}: rotation overdue since {due:u}",
                "the scheduled rotation did not happen; look at the key operations' log, or Rotate now", due, href));
        }
        else if (snapshot.Signing is { } signing
                 && snapshot.Versions.All(v => v.State != KeyState.Pending)
                 && signing.ActivateAt + ring.RotationPeriod - now <= ring.WarnBefore)
        {
            var expiry = signing.ActivateAt + ring.RotationPeriod;
            items.Add(new AttentionItem($"keys-expiring:{ring.Name}", AttentionLevel.Info, $"{ring.Name}: signing key {KeyKinds.Short(signing.Kid)} ends {expiry:u}",
                "no successor is published yet; the scheduler rotates at the due time", now, href));
        }

        var gone = consumers.Where(c => c.Failed > 0 && StateOf(snapshot, c.Kid) is KeyState.Removed or KeyState.Revoked).ToList();
        foreach (var consumer in gone.GroupBy(c => c.Job))
        {
            var kids = string.Join(", ", consumer.Select(c => KeyKinds.Short(c.Kid)));
            items.Add(new AttentionItem($"keys-consumer-gone:{ring.Name}:{consumer.Key}", AttentionLevel.Warning,
                $"{consumer.Key} still gets tokens of removed key(s) {kids} ({ring.Name})",
                string.Create(CultureInfo.InvariantCulture, $"{consumer.Sum(c => c.Failed):0} rejected in the last {UsageWindow}: a client holds old tokens, or a signer outside the console uses the key"),
                now, href));
        }

        return items;
    }

    private static KeyState? StateOf(KeyRingSnapshot snapshot, string kid) =>
        snapshot.Versions.Where(v => v.Version.Kid == kid).Select(v => (KeyState?)v.State).FirstOrDefault();

    /// <summary>Same rows with the same whole counts: increase() extrapolates, so fractions alone would publish every look.</summary>
    internal static bool SameUsage(IReadOnlyList<KeyConsumerUsage> before, IReadOnlyList<KeyConsumerUsage> now) =>
        before.Count == now.Count && before.Zip(now).All(p =>
            p.First.Job == p.Second.Job && p.First.Kid == p.Second.Kid
            && Math.Round(p.First.Validated) == Math.Round(p.Second.Validated)
            && Math.Round(p.First.Failed) == Math.Round(p.Second.Failed));

    /// <summary>The usage rows whose kid belongs to the ring.</summary>
    private static List<KeyConsumerUsage> Attribute(IReadOnlyList<KeyVersion> versions, IReadOnlyList<KeyConsumerUsage> usage)
    {
        var kids = versions.Select(v => v.Kid).ToHashSet(StringComparer.Ordinal);
        return [.. usage.Where(u => kids.Contains(u.Kid)).OrderBy(u => u.Job, StringComparer.Ordinal).ThenBy(u => u.Kid, StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<KeyConsumerUsage>> ReadUsageAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (services.GetService<IRuleQueryEngine>() is not { } engine)
        {
            return [];
        }

        try
        {
            var validated = await engine.EvaluateAsync($"sum by (job, kid) (increase(jwt_tokens_validated_total[{UsageWindow}]))", now, ct);
            var failed = await engine.EvaluateAsync($"sum by (job, kid, reason) (increase(jwt_token_validation_failures_total[{UsageWindow}]))", now, ct);
            var rows = new Dictionary<(string Job, string Kid), (double Validated, Dictionary<string, double> Failures)>();
            foreach (var sample in validated)
            {
                var key = (sample.Labels["job"] ?? "", sample.Labels["kid"] ?? "");
                rows[key] = (sample.Value, rows.GetValueOrDefault(key).Failures ?? []);
            }

            foreach (var sample in failed)
            {
                var key = (sample.Labels["job"] ?? "", sample.Labels["kid"] ?? "");
                var row = rows.GetValueOrDefault(key);
                var failures = row.Failures ?? [];
                failures[sample.Labels["reason"] ?? "other"] = sample.Value;
                rows[key] = (row.Validated, failures);
            }

            return [.. rows.Select(r => new KeyConsumerUsage(r.Key.Job, r.Key.Kid, r.Value.Validated, r.Value.Failures))];
        }
        catch (Exception ex) when (ex is RuleExpressionException or HttpRequestException or TimeoutException)
        {
            LogUsageFailed(ex.Message);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signing keys: the consumers' token metrics could not be read: {Reason}")]
    private partial void LogUsageFailed(string reason);
}
