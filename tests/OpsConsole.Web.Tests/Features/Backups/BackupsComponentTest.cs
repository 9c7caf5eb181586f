using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Features.Restores;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Backups;

/// <summary>
/// bunit over the real host: the pages get the host's backup commands and feed (real services, real database), so a
/// row written or an operation run by the host shows up the way it would for a person's browser.
/// </summary>
[Collection(BackupsHostCollection.Name)]
public abstract class BackupsComponentTest : BunitContext, IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = BackupsHost.Timeout;
    protected static readonly ClaimsPrincipal Sre = BackupsHost.User("sam", ConsoleRoles.Sre);
    protected static readonly ClaimsPrincipal Viewer = BackupsHost.User("vera", ConsoleRoles.Viewer);

    protected BackupsComponentTest(BackupsHost host)
    {
        Host = host;
        Services.AddSingleton(host.Commands);
        Services.AddSingleton(host.Services.GetRequiredService<BackupFeed>());
        // The page's restore history, over the host's real restore service.
        Services.AddSingleton(host.Services.GetRequiredService<IRestoreCommands>());
        Services.AddSingleton(host.Services.GetRequiredService<RestoreFeed>());
        Services.AddSingleton(TimeProvider.System);
        Services.AddViewerTime();
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected BackupsHost Host { get; }

    public Task InitializeAsync() => Host.ResetAsync();

    // MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected static ComponentParameterCollectionBuilder<T> As<T>(ComponentParameterCollectionBuilder<T> p, ClaimsPrincipal user)
        where T : IComponent =>
        p.AddCascadingValue(Task.FromResult(new AuthenticationState(user)));
}
