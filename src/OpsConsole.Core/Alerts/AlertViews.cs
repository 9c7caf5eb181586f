using System.Text.Json;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

/// <summary>Something about alerts changed (durable in the database); pages re-read the store.</summary>
/// <param name="Kind">"alerts", "silences" or "notifications".</param>
/// <param name="AlertIds">The alerts concerned (empty when many or none).</param>
public sealed record AlertsChanged(string Kind, IReadOnlyList<long> AlertIds, Guid? SilenceId = null);

public static class AlertTopics
{
    /// <summary>Distributed: every instance's store reloads, so every page on every instance follows a change made anywhere.</summary>
    public static LiveTopic<AlertsChanged> Changed { get; } = new("alerts.changed", Distributed: true);

    /// <summary>This instance's store has a new snapshot (payload: its version); see <see cref="AlertStore.OnAlertsChanged"/>.</summary>
    public static LiveTopic<long> ViewUpdated { get; } = new("alerts.view.updated");

    /// <summary>Above this many ids an event names none (NOTIFY payloads are small); readers reload everything anyway.</summary>
    internal const int MaxIdsPerEvent = 100;

    internal static AlertsChanged AlertsEvent(IReadOnlyCollection<long> ids) =>
        new("alerts", ids.Count <= MaxIdsPerEvent ? [.. ids] : []);
}

/// <summary>Who acknowledged an alert, since when, and their note.</summary>
public sealed record AlertAck(string By, DateTimeOffset Since, string? Note);

/// <summary>
/// An alert as people see it: identity, labels, annotations, state and times, ownership, and why it does not notify
/// (silences, an inhibiting alert). <see cref="Notifies"/> is what the wall counts and what is sent outward.
/// </summary>
public sealed record AlertView(
    long Id,
    AlertSource Source,
    LabelSet Labels,
    IReadOnlyDictionary<string, string> Annotations,
    AlertState State,
    DateTimeOffset ActiveAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? ResolvedAt,
    string? ResolvedBy,
    double? Value,
    string? GeneratorUrl,
    string Origin,
    string? ExternalUrl,
    AlertAck? Ack,
    IReadOnlyList<Guid> SilencedBy,
    long? InhibitedBy,
    DateTimeOffset UpdatedAt)
{
    public string Fingerprint => Labels.Fingerprint;

    public string Name => Labels["alertname"] ?? "";

    public string Severity => Labels["severity"] ?? "none";

    public bool IsSilenced => SilencedBy.Count > 0;

    public bool IsInhibited => InhibitedBy is not null;

    /// <summary>Firing and neither silenced nor inhibited: counts on the wall and is notified.</summary>
    public bool Notifies => State == AlertState.Firing && !IsSilenced && !IsInhibited;

    internal static AlertView From(StoredAlert row, IReadOnlyList<Guid>? silencedBy = null, long? inhibitedBy = null) => new(
        row.Id,
        AlertText.ParseSource(row.Source),
        AlertText.ParseLabels(row.Labels),
        AlertText.ParseMap(row.Annotations),
        AlertText.ParseState(row.State),
        row.ActiveAt,
        row.FiredAt,
        row.ResolvedAt,
        row.ResolvedBy,
        row.Value,
        row.GeneratorUrl,
        row.Origin,
        row.ExternalUrl,
        row.AckBy is { } by ? new AlertAck(by, row.AckAt ?? row.UpdatedAt, row.AckNote) : null,
        silencedBy ?? row.SilencedBy,
        inhibitedBy,
        row.UpdatedAt);
}

/// <summary>One timeline entry as shown: when, what, who, and its text (note, ack note, silence comment).</summary>
public sealed record AlertTimelineItem(long Id, DateTimeOffset At, string Kind, string Actor, AlertState? FromState, AlertState? ToState, string? Text, Guid? SilenceId);

/// <summary>An alert with its whole timeline, oldest first.</summary>
public sealed record AlertDetail(AlertView Alert, IReadOnlyList<AlertTimelineItem> Timeline);

/// <summary>A silence as listed: its state now, how many current alerts it matches, and how long it has left.</summary>
public sealed record SilenceView(Silence Silence, SilenceState State, int MatchedAlerts)
{
    public TimeSpan TimeLeftAt(DateTimeOffset now) => State == SilenceState.Expired ? TimeSpan.Zero : Silence.EndsAt - now;
}

/// <summary>One outward notification in the delivery log.</summary>
public sealed record AlertDelivery(
    long Id, string Receiver, string GroupKey, string Status, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt,
    int Attempts, int? HttpStatus, string? Error, int AlertCount, string? PayloadStatus);

/// <summary>The database's text for sources, states and label maps.</summary>
public static class AlertText
{
    public static string Of(AlertSource source) => source switch
    {
        AlertSource.Rule => "rule",
        AlertSource.Alertmanager => "alertmanager",
        _ => "console",
    };

    public static string Of(AlertState state) => state switch
    {
        AlertState.Pending => "pending",
        AlertState.Firing => "firing",
        _ => "resolved",
    };

    public static AlertSource ParseSource(string text) => text switch
    {
        "rule" => AlertSource.Rule,
        "alertmanager" => AlertSource.Alertmanager,
        _ => AlertSource.Console,
    };

    public static AlertState ParseState(string text) => text switch
    {
        "pending" => AlertState.Pending,
        "firing" => AlertState.Firing,
        _ => AlertState.Resolved,
    };

    /// <summary>"firing", "pending" or "resolved" (any case), else null.</summary>
    public static AlertState? TryParseState(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "pending" => AlertState.Pending,
        "firing" => AlertState.Firing,
        "resolved" => AlertState.Resolved,
        _ => null,
    };

    public static AlertSource? TryParseSource(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "rule" => AlertSource.Rule,
        "alertmanager" => AlertSource.Alertmanager,
        "console" => AlertSource.Console,
        _ => null,
    };

    public static string Json(IEnumerable<KeyValuePair<string, string>> map) =>
        JsonSerializer.Serialize(map.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), AlertStoreModel.Json);

    public static IReadOnlyDictionary<string, string> ParseMap(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json, AlertStoreModel.Json) ?? [];

    public static LabelSet ParseLabels(string json) => new(ParseMap(json));
}
