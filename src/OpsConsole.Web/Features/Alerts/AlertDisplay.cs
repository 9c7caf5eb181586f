using System.Globalization;
using OpsConsole.Core.Alerts;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>The words the alert pages use for states, ages, ownership and values (one place, so every view agrees).</summary>
public static class AlertDisplay
{
    public static string State(AlertState state) => AlertText.Of(state);

    public static string Source(AlertSource source) => AlertText.Of(source);

    /// <summary>"firing for 12 min", "pending for 40 s", "resolved 3 min ago".</summary>
    public static string Age(AlertView alert, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.State switch
        {
            AlertState.Firing => $"firing for {Span(now - (alert.FiredAt ?? alert.ActiveAt))}",
            AlertState.Pending => $"pending for {Span(now - alert.ActiveAt)}",
            _ => alert.ResolvedAt is { } resolved ? $"resolved {Span(now - resolved)} ago" : "resolved",
        };
    }

    /// <summary>"40 s", "12 min", "1 h 30 min", "2 d 3 h": precise enough to tell a new alert from an old one at a glance.</summary>
    public static string Span(TimeSpan age)
    {
        if (age < TimeSpan.FromMinutes(1))
        {
            return Text($"{Math.Max(0, (int)age.TotalSeconds)} s");
        }

        if (age < TimeSpan.FromHours(1))
        {
            return Text($"{(int)age.TotalMinutes} min");
        }

        if (age < TimeSpan.FromDays(1))
        {
            return age.Minutes == 0 ? Text($"{(int)age.TotalHours} h") : Text($"{(int)age.TotalHours} h {age.Minutes} min");
        }

        return age.Hours == 0 ? Text($"{(int)age.TotalDays} d") : Text($"{(int)age.TotalDays} d {age.Hours} h");

        static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>"acknowledged by alice 3 min ago", or null when nobody has it.</summary>
    public static string? Ack(AlertView alert, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Ack is { } ack ? $"acknowledged by {ack.By} {Span(now - ack.Since)} ago" : null;
    }

    /// <summary>The expression's value as Prometheus prints it in templates (up to four significant digits here).</summary>
    public static string? Value(double? value) => value switch
    {
        null => null,
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        { } v => v.ToString("G4", CultureInfo.InvariantCulture),
    };

    public static string? Annotation(AlertView alert, string name)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Annotations.TryGetValue(name, out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
    }

    /// <summary>A link target people may follow: absolute http(s) or a path on this console; anything else is shown as text.</summary>
    public static bool IsSafeLink(string? url) =>
        !string.IsNullOrWhiteSpace(url)
        && (Runbooks.RunbookLinks.IsConsolePath(url)
            || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)));

    /// <summary>The labels worth a chip on a row: all but alertname and severity (shown as the name and the severity chip).</summary>
    public static IEnumerable<KeyValuePair<string, string>> RowLabels(AlertView alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Labels.Labels.Where(l => l.Key is not "alertname" and not "severity");
    }

    /// <summary>One timeline entry in words: "pending → firing", "acknowledged", "silenced", …</summary>
    public static string TimelineKind(AlertTimelineItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Kind switch
        {
            AlertTimelineKinds.StateChanged => item.FromState is { } from
                ? $"{AlertText.Of(from)} → {(item.ToState is { } to ? AlertText.Of(to) : "?")}"
                : item.ToState is { } first ? $"became {AlertText.Of(first)}" : "state changed",
            AlertTimelineKinds.Acknowledged => "acknowledged",
            AlertTimelineKinds.Unacknowledged => "unacknowledged",
            AlertTimelineKinds.Note => "note",
            AlertTimelineKinds.Silenced => "silenced",
            AlertTimelineKinds.Unsilenced => "no longer silenced",
            AlertTimelineKinds.ResolvedManually => "resolved by hand",
            _ => item.Kind.Replace('_', ' '),
        };
    }

    /// <summary>A silence's matchers as Alertmanager writes them: <c>{alertname="X", job=~"shop.*"}</c>.</summary>
    public static string Matchers(IEnumerable<SilenceMatcher> matchers) => "{" + string.Join(", ", matchers.Select(m => m.ToString())) + "}";

    /// <summary>"1 h 20 min left" style countdown, to the second in the last hour.</summary>
    public static string TimeLeft(TimeSpan left) =>
        left <= TimeSpan.Zero ? "ended"
        : left.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalDays} d {left.Hours} h left")
        : left.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalHours} h {left.Minutes:00} min left")
        : string.Create(CultureInfo.InvariantCulture, $"{left.Minutes} min {left.Seconds:00} s left");
}
