using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using OpsConsole.Core.Access;
using OpsConsole.Core.Live;
using OpsConsole.Web.Features.Keys;
using OpsConsole.Web.Features.Keys.Secrets;
using OpsConsole.Web.Tests.Features.Keys.Secrets;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Keys;

/// <summary>
/// The key pages over <see cref="FakeKeyCommands"/>, with the real <see cref="KeyFeed"/> on a real bus and a fake clock: a
/// test changes a fake, publishes what the service and the operation runner would, or moves the clock, and watches the page.
/// </summary>
public abstract class KeysTestBed : BunitContext, IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    protected static readonly ClaimsPrincipal Sam = Person("u-sam", "sam", ConsoleRoles.Sre);
    protected static readonly ClaimsPrincipal Vera = Person("u-vera", "vera", ConsoleRoles.Viewer);

    protected KeysTestBed()
    {
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<ILiveEvents>(Bus);
        Services.AddSingleton<IKeyCommands>(Commands);
        Services.AddSingleton<IConsoleKeyCommands>(ConsoleKeys);
        Services.AddSingleton(new KeyFeed(Bus));
        Secrets = new FakeSecretCommands(Time, seeded: true);
        Services.AddSingleton<ISecretCommands>(Secrets);
        Services.AddSingleton(new SecretFeed(Bus));
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected LiveEventBus Bus { get; } = new();

    protected FakeKeyCommands Commands { get; } = new();

    protected FakeConsoleKeyCommands ConsoleKeys { get; } = new();

    protected FakeTimeProvider Time { get; } = new(FakeKeyCommands.T0);

    /// <summary>The /keys page's External secrets section (its own component) reads these.</summary>
    protected FakeSecretCommands Secrets { get; }

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

    protected IRenderedComponent<KeyRingPage> RenderRing(ClaimsPrincipal user, string ring = "sampleshop") =>
        RenderAs<KeyRingPage>(user, p => p.Add(x => x.Name, ring));

    protected int Subscribers(string topic) => Bus.Statistics.Topics.TryGetValue(topic, out var t) ? t.Subscribers : 0;
}
