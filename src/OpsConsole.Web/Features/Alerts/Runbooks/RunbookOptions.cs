namespace OpsConsole.Web.Features.Alerts.Runbooks;

/// <summary><c>Alerts:RunbookDirectory</c>: where the runbooks the console serves at <c>/runbooks/…</c> live.</summary>
public sealed class RunbookOptions
{
    public const string Section = "Alerts";

    /// <summary>Relative to the content root (the repository root under ./run.sh), or absolute.</summary>
    public string RunbookDirectory { get; set; } = "docs/runbooks";
}
