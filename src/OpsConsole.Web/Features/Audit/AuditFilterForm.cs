using System.Globalization;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Features.Audit;

/// <summary>The filter bar's fields as typed; <see cref="ToQuery"/> lets Core check them (it names a bad field).</summary>
public sealed record AuditFilterForm
{
    /// <summary>A wall-clock time in the viewer's zone, as the browser's datetime-local input gives it (yyyy-MM-ddTHH:mm).</summary>
    public string? From { get; set; }

    public string? To { get; set; }

    public string? Actor { get; set; }

    public bool ActorPrefix { get; set; }

    public string? Action { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    /// <summary>Empty for any outcome.</summary>
    public string Outcome { get; set; } = "";

    public string? Text { get; set; }

    /// <summary>The query; From and To are read in <paramref name="zone"/> (UTC when null).</summary>
    public AuditQuery ToQuery(TimeZoneInfo? zone = null) =>
        AuditQuery.Parse(Instant(From, "from", zone), Instant(To, "to", zone), Actor, ActorPrefix ? "prefix" : "exact", Action, TargetType, TargetId, Outcome, Text);

    // The input's wall-clock form becomes an instant with its offset; anything else (an ISO time with its own offset, or
    // text that is no time at all) goes to AuditQuery.Parse as typed, which accepts the one and names the field for the other.
    private static string? Instant(string? value, string field, TimeZoneInfo? zone)
    {
        if (zone is null || !Format.TryParseLocalInput(value, out var local))
        {
            return value;
        }

        return Format.FromLocal(local, zone) is { } instant
            ? instant.ToString("O", CultureInfo.InvariantCulture)
            : throw new AuditQueryException(field, $"'{field}': {value} does not exist in {zone.Id} (the clocks skip that hour).");
    }
}
