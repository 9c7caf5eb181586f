using System.Globalization;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Features.Alerts.Rules;

/// <summary>The words and small layouts of the rules page, kept out of the markup so they can be tested.</summary>
public static class RulesText
{
    private static CultureInfo C => CultureInfo.InvariantCulture;

    /// <summary>"ok", "error" or "unknown" (not evaluated yet); also the CSS suffix and test hook.</summary>
    public static string Health(RuleHealth health) => health switch
    {
        RuleHealth.Ok => "ok",
        RuleHealth.Err => "error",
        _ => "unknown",
    };

    /// <summary>An evaluation's duration: "0.42 ms", "12 ms", "1.3 s".</summary>
    public static string Took(TimeSpan? duration) => duration switch
    {
        null => "—",
        { TotalMilliseconds: < 1 } d => string.Create(C, $"{d.TotalMilliseconds:0.00} ms"),
        { TotalSeconds: < 1 } d => string.Create(C, $"{d.TotalMilliseconds:0} ms"),
        { } d => string.Create(C, $"{d.TotalSeconds:0.0#} s"),
    };

    /// <summary>A sample value as Prometheus's UI prints it: the shortest exact decimal (Go's %g form when tiny or huge), NaN, ±Inf.</summary>
    public static string Value(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        0 => "0",
        _ when Math.Abs(value) is >= 1e-4 and < 1e15 => value.ToString("R", C),
        _ => value.ToString("0.################e+00", C),
    };

    /// <summary>"HH:mm:ss UTC (12 s ago)", or "never".</summary>
    public static string When(DateTimeOffset? at, DateTimeOffset now) =>
        at is { } t ? $"{Format.Time(t)} ({Ages.Describe(now - t)} ago)" : "never";

    /// <summary>
    /// What the page says first when the last load failed: whether older rules still run (and since when), or none do.
    /// Null when the last load succeeded.
    /// </summary>
    public static string? LoadFailureHeadline(RuleSetStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.LoadError is null)
        {
            return null;
        }

        var errors = status.LoadErrors.Count == 1 ? "an error" : $"{status.LoadErrors.Count} errors";
        var attempt = status.LastAttemptAt is { } at ? $" (tried at {Format.Time(at)})" : "";
        return status.LastLoadedAt is { } loaded && status.RuleCount > 0
            ? $"The rules loaded at {Format.Time(loaded)} are still running: the rule files have {errors} and were not loaded{attempt}."
            : $"No alert rules are running: the rule files have {errors} and were not loaded{attempt}.";
    }

    /// <summary>
    /// The line of <paramref name="expression"/> that holds the error, and a caret line pointing at the column under it
    /// (tabs kept as tabs, so the caret lines up in monospace). Null when the position is outside the expression.
    /// </summary>
    public static (string Line, string Caret)? Marker(string expression, int? line, int? column)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (line is not { } l || column is not { } c || l < 1 || c < 1)
        {
            return null;
        }

        var lines = expression.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (l > lines.Length)
        {
            return null;
        }

        var text = lines[l - 1];
        var at = Math.Min(c - 1, text.Length); // an error at the end points just past the last character
        var pad = new string([.. text[..at].Select(ch => ch == '\t' ? '\t' : ' ')]);
        return (text, pad + "^");
    }

    /// <summary>"pending" or "firing" for a rule's current match.</summary>
    public static string State(AlertState state) => AlertText.Of(state);

    /// <summary>Labels as chips show them, without alertname (the rule's name says it).</summary>
    public static IEnumerable<KeyValuePair<string, string>> MatchLabels(AlertInstance alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Labels.Labels.Where(l => l.Key != "alertname");
    }
}
