using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Web.Tests.Features;

/// <summary>
/// The real alert store (silences, inhibition, notifying, the live topic), not started: tests hand it rows as a reload
/// from the database would, instead of a PostgreSQL.
/// </summary>
public sealed class AlertStoreTestBed
{
    private readonly List<StoredAlert> _alerts = [];
    private readonly List<StoredSilence> _silences = [];
    private long _nextId = 1;

    public AlertStoreTestBed(LiveEventBus bus, TimeProvider time, AlertStoreOptions? options = null)
    {
        Bus = bus;
        Time = time;
        Store = new AlertStore(
            new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            bus,
            new NotificationSignal(),
            new DatabaseState(),
            Options.Create(options ?? new AlertStoreOptions()),
            time,
            NullLogger<AlertStore>.Instance);
    }

    public LiveEventBus Bus { get; }

    public TimeProvider Time { get; }

    public AlertStore Store { get; }

    public int SubscribersOfView => Bus.Statistics.Topics.TryGetValue(AlertTopics.ViewUpdated.Name, out var t) ? t.Subscribers : 0;

    /// <summary>A rule alert firing since <paramref name="firingFor"/> ago (pending when <paramref name="pending"/>).</summary>
    public StoredAlert Firing(
        string name, string severity, TimeSpan firingFor, bool pending = false, string? summary = null, string? ackBy = null,
        params (string Name, string Value)[] labels)
    {
        var set = LabelSet.Of([("alertname", name), ("severity", severity), .. labels]);
        var now = Time.GetUtcNow();
        var row = new StoredAlert
        {
            Id = _nextId++,
            Source = "rule",
            Fingerprint = set.Fingerprint,
            Name = name,
            Severity = severity,
            Labels = AlertText.Json(set.Labels),
            Annotations = AlertText.Json(summary is null ? [] : [new KeyValuePair<string, string>("summary", summary)]),
            State = pending ? "pending" : "firing",
            ActiveAt = now - firingFor - TimeSpan.FromMinutes(1),
            FiredAt = pending ? null : now - firingFor,
            Value = 0.42,
            Origin = "e2e.rules.yml / shop / " + name,
            RuleKey = "test",
            AckBy = ackBy,
            AckAt = ackBy is null ? null : now,
            UpdatedAt = now,
        };
        _alerts.Add(row);
        return row;
    }

    /// <summary>An active silence (an hour either side of now) with these equality matchers.</summary>
    public StoredSilence Silence(params (string Name, string Value)[] matchers)
    {
        var now = Time.GetUtcNow();
        var silence = new StoredSilence
        {
            Id = Guid.NewGuid(),
            Matchers = System.Text.Json.JsonSerializer.Serialize(matchers.Select(m => new SilenceMatcher(m.Name, "=", m.Value)), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)),
            StartsAt = now.AddHours(-1),
            EndsAt = now.AddHours(1),
            Comment = "maintenance",
            CreatedBy = "alice",
            CreatedAt = now.AddHours(-1),
            UpdatedAt = now,
        };
        _silences.Add(silence);
        return silence;
    }

    public void Remove(StoredAlert alert) => _alerts.Remove(alert);

    /// <summary>Hands the store what it would have read from the database, and lets subscribers know.</summary>
    public void Publish() => Store.ApplyAndPublish([.. _alerts], [.. _silences]);

    /// <summary>As <see cref="Publish"/>, without telling subscribers (the state a page finds when it opens).</summary>
    public void Load() => Store.Apply([.. _alerts], [.. _silences]);
}
