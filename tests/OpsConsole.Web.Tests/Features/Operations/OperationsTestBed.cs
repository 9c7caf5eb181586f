using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Access;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Operations;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Operations;

/// <summary>
/// The operation pages over <see cref="FakeOperationService"/> and the real <see cref="OperationFeed"/> on a real bus:
/// a test changes the fake, publishes what the runner would, and watches the page follow.
/// </summary>
public abstract class OperationsTestBed : BunitContext, IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    protected static readonly ClaimsPrincipal Alice = Person("u-alice", "alice", ConsoleRoles.Sre);
    protected static readonly ClaimsPrincipal Bob = Person("u-bob", "bob", ConsoleRoles.Admin);

    protected OperationsTestBed()
    {
        Services.AddSingleton<ILiveEvents>(Bus);
        Services.AddSingleton(new OperationFeed(Bus));
        Services.AddSingleton<IOperationService>(Operations);
        Services.AddSingleton(new OperationDetailSections([]));
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected LiveEventBus Bus { get; } = new();

    protected FakeOperationService Operations { get; } = new();

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

    /// <summary>What the runner publishes when an operation moves or progresses.</summary>
    protected void PublishChanged(OperationView operation) =>
        Bus.Publish(OperationTopics.Changed, new OperationChanged(operation.Id, operation.Target, operation.State, operation.CancelRequested));

    protected int Subscribers(LiveTopic<OperationChanged> topic) => Bus.Statistics.Topics.TryGetValue(topic.Name, out var t) ? t.Subscribers : 0;

    protected int Subscribers(LiveTopic<OperationLogGrew> topic) => Bus.Statistics.Topics.TryGetValue(topic.Name, out var t) ? t.Subscribers : 0;
}
