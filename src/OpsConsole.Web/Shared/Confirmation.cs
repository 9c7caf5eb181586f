using MudBlazor;

namespace OpsConsole.Web.Shared;

/// <summary>
/// What a confirmation asks. <see cref="Title"/> and <see cref="Message"/> name the target and say what will happen
/// ("Disable user alice?", "Her sessions end…"); <see cref="ConfirmText"/> labels the destructive button
/// ("Disable alice"). <see cref="TypeToConfirm"/>, when set, must be typed before the button works (for actions that
/// cannot be undone, such as restores and erasures).
/// </summary>
public sealed record Confirmation(string Title, string Message, string ConfirmText)
{
    public string CancelText { get; init; } = "Cancel";

    public string? TypeToConfirm { get; init; }

    /// <summary>When set, an optional free-text field with this label ("Reason (optional)"), returned by <see cref="ConfirmDialogExtensions.ConfirmWithReasonAsync"/>.</summary>
    public string? ReasonLabel { get; init; }

    /// <summary>Red button; false for a confirmation that removes nothing.</summary>
    public bool Destructive { get; init; } = true;
}

/// <summary>A confirmation with a reason field was accepted; <see cref="Reason"/> is null when left empty.</summary>
public sealed record Confirmed(string? Reason);

public static class ConfirmDialogExtensions
{
    /// <summary>Shows <see cref="ConfirmDialog"/>; true only when the person pressed the confirm button.</summary>
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, Confirmation confirmation) =>
        await ShowAsync(dialogs, confirmation) is not null;

    /// <summary>Shows <see cref="ConfirmDialog"/> with its reason field; null unless the person pressed the confirm button.</summary>
    public static Task<Confirmed?> ConfirmWithReasonAsync(this IDialogService dialogs, Confirmation confirmation)
    {
        ArgumentNullException.ThrowIfNull(confirmation);
        return ShowAsync(dialogs, confirmation with { ReasonLabel = confirmation.ReasonLabel ?? "Reason (optional)" });
    }

    private static async Task<Confirmed?> ShowAsync(IDialogService dialogs, Confirmation confirmation)
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        ArgumentNullException.ThrowIfNull(confirmation);
        var parameters = new DialogParameters<ConfirmDialog> { { d => d.Confirmation, confirmation } };
        var options = new DialogOptions
        {
            MaxWidth = MaxWidth.Small,
            FullWidth = true,
            CloseOnEscapeKey = true,
            BackdropClick = true,
            CloseButton = false,
            DefaultFocus = DefaultFocus.FirstChild,
        };
        var reference = await dialogs.ShowAsync<ConfirmDialog>(confirmation.Title, parameters, options);
        var result = await reference.Result;
        return result is { Canceled: false, Data: Confirmed confirmed } ? confirmed : null;
    }
}
