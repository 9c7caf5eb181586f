using System.Security.Claims;
using AngleSharp.Dom;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Features.Alerts.Runbooks;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Alerts;

/// <summary>
/// bunit over the real host: the components get the host's alert store and commands (real services, real database),
/// so what a test does through a service shows up the way it would for another person's browser.
/// </summary>
[Collection(AlertsHostCollection.Name)]
public abstract class AlertsComponentTest : BunitContext, IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = AlertsHost.Timeout;

    protected AlertsComponentTest(AlertsHost host)
    {
        Host = host;
        Services.AddSingleton(host.Store);
        Services.AddSingleton(host.Commands);
        Services.AddSingleton(host.Values);
        Services.AddSingleton(host.Services.GetRequiredService<AlertExpressionHistory>());
        Services.AddSingleton(host.Services.GetRequiredService<RunbookLinks>());
        Services.AddSingleton(host.Services.GetRequiredService<ScrapeService>());
        Services.AddSingleton(TimeProvider.System);
        Services.AddViewerTime();
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected AlertsHost Host { get; }

    public Task InitializeAsync() => Host.ResetAsync();

    // MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected static ComponentParameterCollectionBuilder<T> As<T>(ComponentParameterCollectionBuilder<T> p, ClaimsPrincipal user)
        where T : IComponent =>
        p.AddCascadingValue(Task.FromResult(new AuthenticationState(user)));

    /// <summary>MudBlazor puts user attributes on the input (or textarea) itself for text fields and on a wrapper for others.</summary>
    protected static IElement Field<T>(IRenderedComponent<T> cut, string testId)
        where T : IComponent => FieldIn(cut.Find($"[data-testid={testId}]"), testId);

    protected static IElement FieldIn(IElement element, string testId) =>
        element.TagName is "INPUT" or "TEXTAREA" ? element : element.QuerySelector("input, textarea") ?? throw new InvalidOperationException($"no input in {testId}");
}
