using System.Globalization;
using System.Text.Json;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Web.Features.Audit;

/// <summary>How the Audit page writes targets, stored times and details (times for people: <see cref="Shared.ViewerTime"/>).</summary>
public static class AuditText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The action with a line-break opportunity after each dot, so a narrow cell wraps it between words.</summary>
    public static Microsoft.AspNetCore.Components.MarkupString BreakableAction(string action) =>
        new(System.Net.WebUtility.HtmlEncode(action).Replace(".", ".<wbr>", StringComparison.Ordinal));

    /// <summary>The target in full: "user alice (3f2a…)", or "user 3f2a…" when it has no name (deleted, unknown).</summary>
    public static string Target(AuditRecordView record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.TargetName is { } name ? $"{record.TargetType} {name} ({record.TargetId})" : $"{record.TargetType} {record.TargetId}";
    }

    public static string PreciseTime(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Details as indented JSON, keys sorted.</summary>
    public static string Details(IReadOnlyDictionary<string, string?> details) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string?>(details.ToDictionary(d => d.Key, d => d.Value), StringComparer.Ordinal), Indented);
}
