using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Access;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Migrations;
using OpsConsole.Web.Tests.Features.Operations;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Migrations;

/// <summary>
/// The migration pages over <see cref="FakeMigrationCommands"/>, the operation page over <see cref="FakeOperationService"/>
/// with the migration panel registered as the console registers it, and the real feeds on a real bus: a test changes a
/// fake, publishes what the service and the runner would, and watches the page follow.
/// </summary>
public abstract class MigrationsTestBed : BunitContext, IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    protected static readonly ClaimsPrincipal Sam = Person("u-sam", "sam", ConsoleRoles.Sre);
    protected static readonly ClaimsPrincipal Bob = Person("u-bob", "bob", ConsoleRoles.Admin);
    protected static readonly ClaimsPrincipal Vera = Person("u-vera", "vera", ConsoleRoles.Viewer);

    protected MigrationsTestBed()
    {
        Services.AddSingleton<ILiveEvents>(Bus);
        Services.AddSingleton<IMigrationCommands>(Commands);
        Services.AddSingleton(new MigrationFeed(Bus));
        Services.AddSingleton<IOperationService>(Operations);
        Services.AddSingleton(new OperationFeed(Bus));
        Services.AddMigrationSections();
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected LiveEventBus Bus { get; } = new();

    protected FakeMigrationCommands Commands { get; } = new();

    protected FakeOperationService Operations { get; } = new();

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected static ClaimsPrincipal Person(string id, string name, string role) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], "test"));

    protected IRenderedComponent<T> RenderAs<T>(ClaimsPrincipal user, Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : IComponent =>
        Render<T>(p =>
        {
            p.AddCascadingValue(Task.FromResult(new AuthenticationState(user)));
            parameters?.Invoke(p);
        });

    protected IRenderedComponent<MigrationsPage> RenderPage(ClaimsPrincipal user, string database = "shop") =>
        RenderAs<MigrationsPage>(user, p => p.Add(x => x.Name, database));

    protected int Subscribers(string topic) => Bus.Statistics.Topics.TryGetValue(topic, out var t) ? t.Subscribers : 0;
}
