using System.Globalization;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Features.Restores;

/// <summary>How the restore pages, the banner and the wall say things (one place, so every view agrees).</summary>
public static class RestoreText
{
    /// <summary>The key the plan page's backup choice uses for "the latest verified backup".</summary>
    public const string Latest = "latest";

    private static CultureInfo Culture => CultureInfo.InvariantCulture;

    /// <summary>The plan page's address, optionally with a backup chosen.</summary>
    public static string PlanHref(string database, Guid? backup = null) =>
        $"/databases/{Uri.EscapeDataString(database)}/restore" + (backup is { } id ? $"?backup={id}" : "");

    /// <summary>
    /// The banner's words: "Restore of shop in progress, step 3 of 6: restoring public.orders", "Restore of shop awaits
    /// approval (requested by alice)", "Swap back of shop is about to start".
    /// </summary>
    public static string Banner(ActiveRestore restore)
    {
        ArgumentNullException.ThrowIfNull(restore);
        var what = restore.Kind == RestoreKinds.SwapBack ? $"Swap back of {restore.Database}" : $"Restore of {restore.Database}";
        return restore.State switch
        {
            OperationState.Running => string.IsNullOrWhiteSpace(restore.Step) ? $"{what} in progress" : $"{what} in progress, {restore.Step}",
            OperationState.AwaitingApproval => $"{what} awaits approval (requested by {restore.RequestedBy})",
            _ => $"{what} is about to start",
        };
    }

    /// <summary>
    /// The banner's words without what the step is doing, for the wall's large type: "Restore of shop in progress, step 3
    /// of 6"; <see cref="StepDetail"/> is the rest ("restoring public.orders").
    /// </summary>
    public static string Headline(ActiveRestore restore)
    {
        ArgumentNullException.ThrowIfNull(restore);
        return StepDetail(restore) is { } detail ? Banner(restore)[..^(detail.Length + 2)] : Banner(restore);
    }

    /// <summary>What a running step is doing ("restoring public.orders"), after its number; null without one.</summary>
    public static string? StepDetail(ActiveRestore restore)
    {
        ArgumentNullException.ThrowIfNull(restore);
        return restore.State == OperationState.Running && restore.Step is { } step && step.StartsWith("step ", StringComparison.Ordinal)
               && step.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0 && colon + 2 < step.Length
            ? step[(colon + 2)..]
            : null;
    }

    /// <summary>"restore" (running), "approval" (waiting for a person), "queued": a token for styles and tests.</summary>
    public static string BannerState(OperationState state) => state switch
    {
        OperationState.Running => "running",
        OperationState.AwaitingApproval => "approval",
        _ => "queued",
    };

    /// <summary>"into shop itself", "into the new database shop_copy", "swap back".</summary>
    public static string Mode(string mode, string database, string? newDatabase) => mode switch
    {
        RestoreModes.NewDatabase => newDatabase is null ? "into a new database" : $"into the new database {newDatabase}",
        RestoreModes.SwapBack => "swap back",
        _ => $"into {database} itself",
    };

    /// <summary>A short mode word for the history table: "replace", "new database", "swap back".</summary>
    public static string ModeWord(string mode) => mode switch
    {
        RestoreModes.NewDatabase => "new database",
        RestoreModes.SwapBack => "swap back",
        _ => "replace",
    };

    /// <summary>A phase in words: "restoring", "pre-restore backup", "done".</summary>
    public static string Phase(string phase) => phase switch
    {
        RestorePhases.SafetyBackup => "pre-restore backup",
        RestorePhases.SwappedBack => "swapped back",
        _ => phase,
    };

    /// <summary>The swap's gap: "420 ms", "1,250 ms"; "—" when there was no swap.</summary>
    public static string Milliseconds(double? milliseconds) =>
        milliseconds is { } ms && !double.IsNaN(ms) ? string.Create(Culture, $"{ms:N0} ms") : "—";

    /// <summary>An estimate: "about 4 min 05 s", "unknown".</summary>
    public static string Estimate(TimeSpan? estimate) =>
        estimate is { } e ? $"about {DatabaseText.Seconds(e.TotalSeconds)}" : "unknown";

    /// <summary>Whether the plan can no longer be used at <paramref name="now"/>.</summary>
    public static bool Expired(RestorePlanView plan, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return now > plan.ExpiresAt;
    }

    /// <summary>
    /// Whether the Restore button works: the exact name typed (<see cref="RestoreConfirmation.Matches"/>), nothing blocking,
    /// the plan not expired. The service checks all of it again.
    /// </summary>
    public static bool CanRequest(RestorePlanView? plan, string? typed, DateTimeOffset now) =>
        plan is not null && plan.CanRun && !Expired(plan, now) && RestoreConfirmation.Matches(plan.Confirmation, typed);

    /// <summary>What became of the replaced database: "kept until …", "swapped back by bob", "dropped", or null (none was kept).</summary>
    public static string? Kept(RestoreView restore, Func<DateTimeOffset, string> dateTime)
    {
        ArgumentNullException.ThrowIfNull(restore);
        ArgumentNullException.ThrowIfNull(dateTime);
        if (restore.SetAside is null)
        {
            return null;
        }

        if (restore.SwappedBackAt is { } back)
        {
            return $"swapped back{(restore.SwappedBackBy is { } by ? $" by {by}" : "")} at {dateTime(back)}";
        }

        if (restore.SetAsideDroppedAt is { } dropped)
        {
            return $"dropped at {dateTime(dropped)}";
        }

        return restore.KeepUntil is { } until ? $"kept until {dateTime(until)}" : "kept";
    }
}
