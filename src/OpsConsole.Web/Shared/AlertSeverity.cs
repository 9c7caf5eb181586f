using MudBlazor;
using OpsConsole.Core.Alerts;

namespace OpsConsole.Web.Shared;

/// <summary>
/// How bad an alert's <c>severity</c> label is, for ordering and colour. The usual words rank first; anything else
/// (or no label) ranks last and is shown as written, so an unfamiliar severity is never hidden or coloured as bad.
/// </summary>
public static class AlertSeverity
{
    /// <summary>0 is the worst (<see cref="SeverityRank.Of"/>).</summary>
    public static int Rank(string? severity) => SeverityRank.Of(severity);

    /// <summary>The word shown on the chip (the label as written, or "none").</summary>
    public static string Word(string? severity) => string.IsNullOrWhiteSpace(severity) ? "none" : severity.Trim();

    /// <summary>The CSS class carrying the colour (always beside the word: colour is never the only signal).</summary>
    public static string CssClass(string? severity) => Rank(severity) switch
    {
        0 => "sev-critical",
        1 => "sev-error",
        2 => "sev-warning",
        3 => "sev-info",
        _ => "sev-none",
    };

    public static Color Color(string? severity) => Rank(severity) switch
    {
        0 or 1 => MudBlazor.Color.Error,
        2 => MudBlazor.Color.Warning,
        3 => MudBlazor.Color.Info,
        _ => MudBlazor.Color.Default,
    };

    public static Severity SnackbarSeverity(string? severity) => Rank(severity) switch
    {
        0 or 1 => Severity.Error,
        2 => Severity.Warning,
        _ => Severity.Info,
    };

    /// <summary>The worst severity among the alerts (null when there are none).</summary>
    public static string? Worst(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        string? worst = null;
        foreach (var alert in alerts)
        {
            if (worst is null || Rank(alert.Severity) < Rank(worst))
            {
                worst = alert.Severity;
            }
        }

        return worst;
    }
}
