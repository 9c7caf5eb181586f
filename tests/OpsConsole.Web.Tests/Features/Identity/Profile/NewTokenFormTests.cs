using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Web.Features.Identity.Profile;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Identity.Profile;

// MudSelect brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
public sealed class NewTokenFormTests : BunitContext, IAsyncLifetime
{
    private const string Secret = "opc_secret-value-for-tests-0123456789abcdefghij";
    private readonly List<NewTokenRequest> _requests = [];
    private int _closed;

    public NewTokenFormTests()
    {
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public void A_token_without_a_name_is_not_created_and_the_form_says_why()
    {
        var cut = RenderForm();

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Give the token a name", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(_requests);
        Assert.Empty(cut.FindAll("[data-testid=token-created]"));
    }

    [Fact]
    public void The_secret_is_shown_once_and_gone_after_done()
    {
        var cut = RenderForm();
        cut.Find("input").Input("deploy pipeline");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=token-created]")));
        var request = Assert.Single(_requests);
        Assert.Equal("deploy pipeline", request.Name);
        Assert.Equal(30, request.LifetimeDays);
        Assert.Empty(request.Roles);
        Assert.Contains(Secret, cut.Markup, StringComparison.Ordinal);

        cut.Find("[data-testid=token-done]").Click();

        // MudButton runs its OnClick asynchronously: wait for the outcome instead of assuming it ran inline.
        cut.WaitForAssertion(() =>
        {
            Assert.Equal(1, _closed);
            Assert.DoesNotContain(Secret, cut.Markup, StringComparison.Ordinal);
            Assert.Single(cut.FindAll("[data-testid=new-token-form]"));
        });
    }

    [Fact]
    public void A_refusal_from_the_service_is_shown_in_the_form()
    {
        var cut = Render<NewTokenForm>(p => p
            .Add(f => f.AvailableRoles, ["Viewer"])
            .Add(f => f.Create, _ => throw new ArgumentException("A token expires after more than 0 and at most 366 days."))
            .Add(f => f.Closed, EventCallback.Factory.Create(this, () => _closed++)));
        cut.Find("input").Input("too long lived");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("at most 366 days", cut.Find("[data-testid=token-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=token-created]"));
    }

    [Fact]
    public void Cancel_closes_without_creating()
    {
        var cut = RenderForm();

        cut.FindAll("button").Single(b => b.TextContent.Contains("Cancel", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.Equal(1, _closed));
        Assert.Empty(_requests);
    }

    private IRenderedComponent<NewTokenForm> RenderForm() =>
        Render<NewTokenForm>(p => p
            .Add(f => f.AvailableRoles, ["Sre", "Viewer"])
            .Add(f => f.Create, request =>
            {
                _requests.Add(request);
                return Task.FromResult(Secret);
            })
            .Add(f => f.Closed, EventCallback.Factory.Create(this, () => _closed++)));
}
