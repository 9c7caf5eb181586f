using MudBlazor;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Web.Features.Migrations;

/// <summary>What an apply's or undo's confirmation shows: the files that will run and, for an undo, its SQL.</summary>
public sealed record MigrationConfirmation(string Title, string Message, string ConfirmText, IReadOnlyList<PlannedMigration> Files)
{
    public string? Sql { get; init; }

    public string SqlLabel { get; init; } = "SQL";

    public bool Destructive { get; init; } = true;
}

public static class MigrationDialogs
{
    /// <summary>Shows <see cref="MigrationConfirmDialog"/>; true only when the person pressed the confirm button.</summary>
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, MigrationConfirmation confirmation)
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        ArgumentNullException.ThrowIfNull(confirmation);
        var parameters = new DialogParameters<MigrationConfirmDialog> { { d => d.Confirmation, confirmation } };
        var options = new DialogOptions
        {
            MaxWidth = MaxWidth.Medium,
            FullWidth = true,
            CloseOnEscapeKey = true,
            BackdropClick = true,
            CloseButton = false,
            DefaultFocus = DefaultFocus.FirstChild,
        };
        var reference = await dialogs.ShowAsync<MigrationConfirmDialog>(confirmation.Title, parameters, options);
        var result = await reference.Result;
        return result is { Canceled: false };
    }
}
