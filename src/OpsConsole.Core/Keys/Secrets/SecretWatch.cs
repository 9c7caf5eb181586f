using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Live;
using Prometheus;

namespace OpsConsole.Core.Keys.Secrets;

/// <summary>
/// Looks at the declared secrets every <see cref="Interval"/> and after every recorded rotation (on any instance): exports
/// their due dates to <c>/metrics</c> for the rules in keys.rules.yml, and puts overdue and due-soon secrets on the
/// status board under "External secrets". A secret never recorded and not yet due stays off the board (the Keys page
/// asks for its first record): a fresh declaration, like the demo's, must not turn an all-clear board amber.
/// </summary>
public sealed partial class SecretWatch(ConfiguredSecrets secrets, IServiceScopeFactory scopes, ILiveEvents live, TimeProvider time, ILogger<SecretWatch> logger)
    : BackgroundService, IAttentionSource
{
    /// <summary>Due dates move in days: a minute is fresh enough, and a record refreshes at once.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private static readonly Gauge LastRotated = Prometheus.Metrics.CreateGauge("opsconsole_secret_last_rotated_timestamp_seconds",
        "When an operator last recorded a rotation of the declared secret, Unix seconds; absent when none is recorded.", "secret");

    private static readonly Gauge Due = Prometheus.Metrics.CreateGauge("opsconsole_secret_rotation_due_timestamp_seconds",
        "When the secret's next rotation is due (last recorded rotation, or first declaration when none, + RotationPeriod), Unix seconds.", "secret");

    private static readonly Gauge WarnBefore = Prometheus.Metrics.CreateGauge("opsconsole_secret_warn_before_seconds",
        "The secret's WarnBefore: a rotation due within this long is due soon.", "secret");

    private static readonly LiveTopic<int> Updated = new("keys.secrets.attention.updated");

    private volatile IReadOnlyList<AttentionItem> _items = [];

    public string Section => "External secrets";

    public string Policy => ConsolePolicies.KeysRead;

    public IReadOnlyList<AttentionItem> Items => _items;

    public IDisposable OnChanged(Func<Task> onChanged) => live.SubscribeThrottled(Updated, TimeSpan.FromMilliseconds(500), onChanged);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (secrets.Secrets.Count == 0)
        {
            return;
        }

        using var changed = live.Subscribe(SecretTopics.Changed, _ => LookAsync(stoppingToken));
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            await LookAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One look (internal for tests): gauges and the board's items. A database outage keeps the last look.</summary>
    internal async Task LookAsync(CancellationToken ct)
    {
        IReadOnlyList<SecretView> views;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            views = await scope.ServiceProvider.GetRequiredService<SecretsService>().ReadAsync(secrets.Secrets, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLookFailed(ex.Message);
            return;
        }

        foreach (var view in views)
        {
            Export(view);
        }

        var items = views.SelectMany(ItemsOf).ToList();
        var before = _items;
        _items = items;
        if (!before.Select(i => (i.Key, i.Title)).SequenceEqual(items.Select(i => (i.Key, i.Title))))
        {
            live.Publish(Updated, items.Count);
        }
    }

    private static void Export(SecretView view)
    {
        var name = view.Name;
        WarnBefore.WithLabels(name).Set(view.Secret.WarnBefore.TotalSeconds);
        Due.WithLabels(name).Set(view.Status.DueAt.ToUnixTimeMilliseconds() / 1000.0);
        if (view.Status.LastRotatedAt is { } last)
        {
            LastRotated.WithLabels(name).Set(last.ToUnixTimeMilliseconds() / 1000.0);
        }
        else
        {
            LastRotated.RemoveLabelled(name);
        }
    }

    /// <summary>The board's item for a secret, if it needs one (overdue: warning; due soon: info): pure, for tests.</summary>
    internal static IEnumerable<AttentionItem> ItemsOf(SecretView view)
    {
        const string Href = "/keys#external-secrets";
        var s = view.Secret;
        var due = view.Status.DueAt;
        switch (view.Status.State)
        {
            case SecretState.Overdue:
                yield return new AttentionItem($"secrets-overdue:{s.Name}", AttentionLevel.Warning,
                    view.Status.LastRotatedAt is null ? $"{s.Name}: no rotation recorded, due since {due:u}" : $"{s.Name}: rotation overdue since {due:u}",
                    $"{s.Owner} rotates it ({s.Location}), then records the rotation on the Keys page", due, Href);
                break;
            case SecretState.DueSoon:
                yield return new AttentionItem($"secrets-due-soon:{s.Name}", AttentionLevel.Info, $"{s.Name}: rotation due {due:u}",
                    $"{s.Owner} rotates it ({s.Location}) within {PromDurationWords(due - view.Now)}", view.Now, Href);
                break;
            default:
                break;
        }
    }

    private static string PromDurationWords(TimeSpan span) => Alerts.Rules.PromDuration.Format(TimeSpan.FromMinutes(Math.Max(0, Math.Ceiling(span.TotalMinutes))));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secrets inventory: the recorded rotations could not be read: {Reason}")]
    private partial void LogLookFailed(string reason);
}
