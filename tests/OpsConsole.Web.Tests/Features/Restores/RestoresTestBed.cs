using System.Security.Claims;
using AngleSharp.Dom;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Restores;
using OpsConsole.Web.Tests.Features.Operations;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Restores;

/// <summary>
/// The restore pages over <see cref="FakeRestoreCommands"/>, the banner's <see cref="ActiveRestores"/> over
/// <see cref="FakeOperationService"/>, and the real feeds on a real bus: a test changes a fake, publishes what the
/// services and the runner would, and watches the page follow. The clock is a fake one, a minute after the plans are made.
/// </summary>
public abstract class RestoresTestBed : BunitContext, IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    protected static readonly ClaimsPrincipal Sam = Person("u-sam", "sam", ConsoleRoles.Sre);
    protected static readonly ClaimsPrincipal Vera = Person("u-vera", "vera", ConsoleRoles.Viewer);

    private ActiveRestores? _active;

    protected RestoresTestBed()
    {
        Services.AddSingleton<ILiveEvents>(Bus);
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IRestoreCommands>(Commands);
        Services.AddSingleton(new RestoreFeed(Bus));
        Services.AddSingleton<IOperationService>(Operations);
        Services.AddSingleton(sp => _active = new ActiveRestores(
            sp.GetRequiredService<IServiceScopeFactory>(), Bus, Migrated(), Time, NullLogger<ActiveRestores>.Instance));
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected LiveEventBus Bus { get; } = new();

    protected FakeTimeProvider Time { get; } = new(FakeRestoreCommands.T0.AddMinutes(1));

    protected FakeRestoreCommands Commands { get; } = new();

    protected FakeOperationService Operations { get; } = new();

    protected ActiveRestores Active => Services.GetRequiredService<ActiveRestores>();

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_active is not null)
        {
            await _active.StopAsync(CancellationToken.None);
        }

        await DisposeAsync();
    }

    protected static ClaimsPrincipal Person(string id, string name, string role) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], "test"));

    protected IRenderedComponent<T> RenderAs<T>(ClaimsPrincipal user, Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : IComponent =>
        Render<T>(p =>
        {
            p.AddCascadingValue(Task.FromResult(new AuthenticationState(user)));
            parameters?.Invoke(p);
        });

    /// <summary>What the runner publishes when an operation moves or progresses.</summary>
    protected void PublishChanged(OperationView operation) =>
        Bus.Publish(OperationTopics.Changed, new OperationChanged(operation.Id, operation.Target, operation.State, operation.CancelRequested));

    protected int Subscribers(string topic) => Bus.Statistics.Topics.TryGetValue(topic, out var t) ? t.Subscribers : 0;

    /// <summary>The input inside a MudBlazor field (the test id sits on the field's wrapper or on the input itself).</summary>
    protected static IElement Input<T>(IRenderedComponent<T> fragment, string testId)
        where T : IComponent
    {
        var field = fragment.Find($"[data-testid={testId}]");
        return field.TagName is "INPUT" or "TEXTAREA" ? field : field.QuerySelector("input, textarea")!;
    }

    private static DatabaseState Migrated()
    {
        var state = new DatabaseState();
        state.MarkMigrated();
        return state;
    }
}
