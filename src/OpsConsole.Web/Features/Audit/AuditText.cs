using System.Globalization;
using System.Text.Json;

namespace OpsConsole.Web.Features.Audit;

/// <summary>How the Audit page writes times and details.</summary>
public static class AuditText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string PreciseTime(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Details as indented JSON, keys sorted.</summary>
    public static string Details(IReadOnlyDictionary<string, string?> details) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string?>(details.ToDictionary(d => d.Key, d => d.Value), StringComparer.Ordinal), Indented);
}
