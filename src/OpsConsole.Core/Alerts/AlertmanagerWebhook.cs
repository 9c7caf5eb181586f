using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Alerts;

/// <summary>Alertmanager's webhook notification, version 4 (the same shape is sent outward to receivers).</summary>
public sealed record AlertmanagerWebhookMessage(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("groupKey")] string GroupKey,
    [property: JsonPropertyName("truncatedAlerts")] int TruncatedAlerts,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("receiver")] string Receiver,
    [property: JsonPropertyName("groupLabels")] IReadOnlyDictionary<string, string> GroupLabels,
    [property: JsonPropertyName("commonLabels")] IReadOnlyDictionary<string, string> CommonLabels,
    [property: JsonPropertyName("commonAnnotations")] IReadOnlyDictionary<string, string> CommonAnnotations,
    [property: JsonPropertyName("externalURL")] string ExternalUrl,
    [property: JsonPropertyName("alerts")] IReadOnlyList<AlertmanagerWebhookAlert> Alerts);

/// <summary>One alert of a version-4 webhook notification.</summary>
public sealed record AlertmanagerWebhookAlert(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string> Annotations,
    [property: JsonPropertyName("startsAt"), JsonConverter(typeof(RfcTimeConverter))] DateTimeOffset StartsAt,
    [property: JsonPropertyName("endsAt"), JsonConverter(typeof(RfcTimeConverter))] DateTimeOffset EndsAt,
    [property: JsonPropertyName("generatorURL")] string GeneratorUrl,
    [property: JsonPropertyName("fingerprint")] string Fingerprint);

/// <summary>Times in UTC with a "Z", as Alertmanager (Go) writes them.</summary>
public sealed class RfcTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}

/// <summary>A webhook body that is refused: not JSON at all (400), or JSON that is not a version-4 notification (422, field named).</summary>
public sealed class AlertmanagerPayloadException(bool notJson, string field, string message) : Exception(message)
{
    public bool NotJson { get; } = notJson;

    public string Field { get; } = field;
}

/// <summary>
/// Reads Alertmanager's webhook payload by hand rather than by deserializing, so every refusal names the exact field
/// (<c>alerts[2].labels.alertname</c>) instead of a serializer's position.
/// </summary>
public static class AlertmanagerPayload
{
    public const string Version = "4";

    /// <summary>Alertmanager's "no end" (a firing alert's endsAt in its webhooks).</summary>
    public static readonly DateTimeOffset NoTime = new(1, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static AlertmanagerWebhookMessage Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new AlertmanagerPayloadException(true, "body", $"The body is not JSON: {ex.Message}");
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    public static AlertmanagerWebhookMessage Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("body", "The body must be a JSON object (Alertmanager's webhook payload).");
        }

        var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (version != Version)
        {
            throw Invalid("version", $"Only Alertmanager's webhook payload version \"4\" is accepted (got {(v.ValueKind == JsonValueKind.Undefined ? "none" : v.GetRawText())}).");
        }

        var status = Status(root, "status", "status");
        if (!root.TryGetProperty("alerts", out var alertsElement) || alertsElement.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("alerts", "\"alerts\" must be an array.");
        }

        var alerts = new List<AlertmanagerWebhookAlert>(alertsElement.GetArrayLength());
        var index = 0;
        foreach (var alert in alertsElement.EnumerateArray())
        {
            alerts.Add(ParseAlert(alert, $"alerts[{index}]"));
            index++;
        }

        return new AlertmanagerWebhookMessage(
            Version,
            OptionalString(root, "groupKey", "groupKey") ?? "",
            root.TryGetProperty("truncatedAlerts", out var truncated) && truncated.ValueKind == JsonValueKind.Number && truncated.TryGetInt32(out var t) ? t : 0,
            status,
            OptionalString(root, "receiver", "receiver") ?? "",
            Map(root, "groupLabels", "groupLabels"),
            Map(root, "commonLabels", "commonLabels"),
            Map(root, "commonAnnotations", "commonAnnotations"),
            OptionalString(root, "externalURL", "externalURL") ?? "",
            alerts);
    }

    /// <summary>The notification's alerts as the store records them (fingerprints recomputed from the labels).</summary>
    public static IReadOnlyList<AlertInstance> ToInstances(AlertmanagerWebhookMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        var origin = string.IsNullOrEmpty(message.ExternalUrl) ? $"Alertmanager (receiver {message.Receiver})" : $"{message.ExternalUrl} (receiver {message.Receiver})";
        return [.. message.Alerts.Select(a =>
        {
            var resolved = a.Status == "resolved";
            var resolvedAt = a.EndsAt > NoTime && a.EndsAt <= now ? a.EndsAt : now;
            return new AlertInstance(
                AlertSource.Alertmanager,
                new LabelSet(a.Labels),
                a.Annotations,
                resolved ? AlertState.Resolved : AlertState.Firing,
                a.StartsAt.ToUniversalTime(),
                a.StartsAt.ToUniversalTime(),
                resolved ? resolvedAt.ToUniversalTime() : null,
                null,
                string.IsNullOrEmpty(a.GeneratorUrl) ? null : a.GeneratorUrl,
                origin);
        })];
    }

    private static AlertmanagerWebhookAlert ParseAlert(JsonElement alert, string path)
    {
        if (alert.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, $"{path} must be an object.");
        }

        if (!alert.TryGetProperty("labels", out var labelsElement) || labelsElement.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"{path}.labels", $"{path}.labels must be an object of label names to values.");
        }

        var labels = Map(alert, "labels", $"{path}.labels");
        if (!labels.TryGetValue("alertname", out var name) || name.Length == 0)
        {
            throw Invalid($"{path}.labels.alertname", $"{path}.labels.alertname is required.");
        }

        var startsAt = Time(alert, "startsAt", $"{path}.startsAt") ?? throw Invalid($"{path}.startsAt", $"{path}.startsAt is required.");
        return new AlertmanagerWebhookAlert(
            Status(alert, "status", $"{path}.status"),
            labels,
            Map(alert, "annotations", $"{path}.annotations"),
            startsAt,
            Time(alert, "endsAt", $"{path}.endsAt") ?? NoTime,
            OptionalString(alert, "generatorURL", $"{path}.generatorURL") ?? "",
            OptionalString(alert, "fingerprint", $"{path}.fingerprint") ?? "");
    }

    private static string Status(JsonElement element, string property, string path)
    {
        var status = element.TryGetProperty(property, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return status is "firing" or "resolved" ? status : throw Invalid(path, $"{path} must be \"firing\" or \"resolved\".");
    }

    private static string? OptionalString(JsonElement element, string property, string path)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid(path, $"{path} must be a string.");
    }

    private static Dictionary<string, string> Map(JsonElement element, string property, string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return map;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, $"{path} must be an object of strings.");
        }

        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"{path}.{entry.Name}", $"{path}.{entry.Name} must be a string.");
            }

            if (entry.Name.Length == 0)
            {
                throw Invalid(path, $"{path} has an empty name.");
            }

            map[entry.Name] = entry.Value.GetString()!;
        }

        return map;
    }

    private static DateTimeOffset? Time(JsonElement element, string property, string path)
    {
        var text = OptionalString(element, property, path);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime()
            : throw Invalid(path, $"{path} is not an RFC 3339 time (got \"{text}\").");
    }

    private static AlertmanagerPayloadException Invalid(string field, string message) => new(false, field, message);
}

/// <summary>
/// The bearer tokens of <c>Alerts:Alertmanager:BearerTokens</c>: compared in fixed time (as SHA-256 digests, so neither
/// content nor length leaks), and the principal an accepted sender acts as ("alertmanager:&lt;name&gt;", a system actor).
/// </summary>
public sealed class AlertmanagerSenders(IOptions<AlertStoreOptions> options)
{
    /// <summary>Set only on the principal of a sender whose token matched (never on a person's or an API token's).</summary>
    public const string SenderClaim = "opsconsole:alertmanager_sender";

    private readonly (string Name, byte[] Digest)[] _tokens =
        [.. options.Value.Alertmanager.BearerTokens.Select(t => (t.Key, SHA256.HashData(Encoding.UTF8.GetBytes(t.Value.Trim()))))];

    public bool Any => _tokens.Length > 0;

    /// <summary>The sender whose token this is, or null. Every configured token is compared, whichever matches.</summary>
    public string? Match(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || _tokens.Length == 0)
        {
            return null;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented.Trim()));
        string? found = null;
        foreach (var (name, expected) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                found ??= name;
            }
        }

        return found;
    }

    public static ClaimsPrincipal PrincipalFor(string sender) =>
        new(new ClaimsIdentity(
            [new Claim(ConsoleClaims.System, "1"), new Claim(ClaimTypes.Name, $"alertmanager:{sender}"), new Claim(SenderClaim, sender)],
            "alertmanager-webhook"));

    public static bool IsSender(ClaimsPrincipal principal) =>
        principal?.HasClaim(c => c.Type == SenderClaim) == true && principal.HasClaim(c => c.Type == ConsoleClaims.System);
}

/// <summary>
/// Ingests Alertmanager webhook notifications: a configured sender (bearer token) or a caller with
/// <see cref="ConsolePolicies.AlertsAct"/> (console API token). All alerts of one notification are recorded in one
/// transaction (nothing accepted is lost: a failure answers 503 and Alertmanager sends again); refusals are audited.
/// </summary>
public sealed class AlertmanagerIngestService(AlertRecorder recorder, AuditedActions actions, TimeProvider time)
{
    public const string RuleKey = "alertmanager";

    public async Task<AlertRecordResult> IngestAsync(ClaimsPrincipal caller, AlertmanagerWebhookMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(message);
        if (!AlertmanagerSenders.IsSender(caller) && !await actions.IsAllowedAsync(caller, ConsolePolicies.AlertsAct))
        {
            await actions.RecordAsync(new AuditEntry(caller, "alerts.webhook_refused", "alertmanager", message.Receiver, AuditOutcome.Denied,
                new Dictionary<string, string?> { ["reason"] = "roles do not allow posting alerts" }), cancellationToken);
            throw new UnauthorizedAccessException("Posting Alertmanager notifications needs a webhook token or a role with console.alerts.act.");
        }

        var alerts = AlertmanagerPayload.ToInstances(message, time.GetUtcNow());
        return await recorder.RecordAsync(caller, RuleKey, alerts, string.IsNullOrEmpty(message.ExternalUrl) ? null : message.ExternalUrl, cancellationToken);
    }

    /// <summary>A notification from an authenticated sender that could not be read: recorded, so a misconfigured Alertmanager shows up.</summary>
    public Task RecordRejectedAsync(ClaimsPrincipal caller, string field, string reason, CancellationToken cancellationToken = default) =>
        actions.RecordAsync(new AuditEntry(caller, "alerts.webhook_rejected", "alertmanager", "*", AuditOutcome.Failed,
            new Dictionary<string, string?> { ["field"] = field, ["reason"] = reason }), cancellationToken);
}
