using OpsConsole.Core.Keys.Secrets;

namespace OpsConsole.Web.Features.Keys.Secrets;

/// <summary>The section's words and tokens, testable without rendering.</summary>
public static class SecretText
{
    public static string StateToken(SecretState state) => state switch
    {
        SecretState.DueSoon => "due-soon",
        SecretState.Overdue => "overdue",
        SecretState.Unknown => "unknown",
        _ => "ok",
    };

    public static string StateWord(SecretView view) => view.Status.State switch
    {
        SecretState.DueSoon => "due soon",
        SecretState.Overdue => view.Status.LastRotatedAt is null ? "overdue (never recorded)" : "overdue",
        SecretState.Unknown => "needs a first record",
        _ => "ok",
    };
}
