namespace OpsConsole.Web.Shared;

/// <summary>
/// The viewer's time zone, one per circuit (scoped), and times written in it. The browser says its IANA zone
/// (<c>Intl.DateTimeFormat().resolvedOptions().timeZone</c>) in the <see cref="Cookie"/> that js/console.js sets on
/// every page load; App.razor hands it to the circuit, and MainLayout asks the browser once more when the cookie was
/// missing. Until then, and for a zone this server does not know, times are UTC.
/// </summary>
public sealed class ViewerTime(TimeProvider time)
{
    public const string Cookie = "opsconsole.tz";

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    /// <summary>Takes the browser's zone; true when that changed what this circuit shows (an unknown id changes nothing).</summary>
    public bool TrySet(string? ianaId)
    {
        if (Format.FindZone(ianaId) is not { } zone || zone.Id == Zone.Id)
        {
            return false;
        }

        Zone = zone;
        return true;
    }

    /// <summary>"2026-12-07 14:03:22" in the viewer's zone (say the zone once on the page: <see cref="ZoneLabel"/>).</summary>
    public string DateTime(DateTimeOffset value) => Format.Timestamp(value, Zone);

    public string DateTime(DateTimeOffset? value, string none) => value is { } v ? DateTime(v) : none;

    /// <summary>"14:03:22" in the viewer's zone.</summary>
    public string TimeOfDay(DateTimeOffset value) => Format.TimeOfDay(value, Zone);

    /// <summary>For a sentence that stands alone (a message, a snackbar): "2026-12-07 14:03:22 UTC+01:00".</summary>
    public string DateTimeWithZone(DateTimeOffset value) => $"{DateTime(value)} {Format.Offset(Zone, value)}";

    public string TimeOfDayWithZone(DateTimeOffset value) => $"{TimeOfDay(value)} {Format.Offset(Zone, value)}";

    /// <summary>The zone as of now: "UTC", or "UTC+01:00 (Europe/Paris)".</summary>
    public string ZoneLabel => Format.ZoneLabel(Zone, time.GetUtcNow());

    /// <summary>The offset as of now, for column headers: "UTC", "UTC+01:00".</summary>
    public string OffsetLabel => Format.Offset(Zone, time.GetUtcNow());

    /// <summary>The instant as a datetime-local input's value in the viewer's zone.</summary>
    public string ToLocalInput(DateTimeOffset value) => Format.LocalInput(value, Zone);
}
