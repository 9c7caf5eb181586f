using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Web.Features.Identity.Displays;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Identity.Displays;

// MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
public sealed class AddDisplayFormTests : BunitContext, IAsyncLifetime
{
    private const string Code = "ABCDE-FGH23";
    private const string Url = "http://console.example/display/pair?code=ABCDE-FGH23";
    private static readonly DateTimeOffset Expires = new(2026, 5, 1, 12, 10, 0, TimeSpan.Zero);
    private readonly List<string> _created = [];
    private int _closed;

    public AddDisplayFormTests()
    {
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public void A_display_without_a_name_is_not_created_and_the_form_says_why()
    {
        var cut = RenderForm();

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Name the display", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(_created);
        Assert.Empty(cut.FindAll("[data-testid=pairing-link]"));
    }

    [Fact]
    public void A_name_over_100_characters_is_refused_before_the_service_is_called()
    {
        var cut = RenderForm();
        cut.Find("input").Input(new string('x', 101));

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("At most 100 characters", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(_created);
    }

    [Fact]
    public void The_pairing_link_is_shown_once_with_its_expiry_and_gone_after_done()
    {
        var cut = RenderForm();
        cut.Find("input").Input("NOC wall left");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=pairing-link]")));
        Assert.Equal(["NOC wall left"], _created);
        Assert.Equal(Code, cut.Find("[data-testid=pairing-code]").TextContent);
        Assert.Contains(Url, cut.Markup, StringComparison.Ordinal);
        Assert.Contains("12:10:00 UTC", cut.Markup, StringComparison.Ordinal);

        cut.Find("[data-testid=pairing-done]").Click();

        // MudButton runs its OnClick asynchronously: wait for the outcome instead of assuming it ran inline.
        cut.WaitForAssertion(() =>
        {
            Assert.Equal(1, _closed);
            Assert.DoesNotContain(Code, cut.Markup, StringComparison.Ordinal);
            Assert.DoesNotContain(Url, cut.Markup, StringComparison.Ordinal);
            Assert.Single(cut.FindAll("[data-testid=add-display-form]"));
        });
    }

    [Fact]
    public void Copy_puts_the_url_on_the_clipboard_and_says_so()
    {
        var copy = JSInterop.Setup<bool>("opsConsole.copyText", Url).SetResult(true);
        var cut = RenderForm();
        cut.Find("input").Input("Lobby");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=pairing-link]")));

        cut.Find("[data-testid=copy-pairing-url]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Copied to the clipboard.", cut.Find("[data-testid=copy-outcome]").TextContent));
        Assert.Single(copy.Invocations);
    }

    [Fact]
    public void A_refusal_from_the_service_is_shown_in_the_form()
    {
        var cut = Render<AddDisplayForm>(p => p
            .Add(f => f.Create, _ => throw new ArgumentException("A display needs a name of 1 to 100 characters."))
            .Add(f => f.Closed, EventCallback.Factory.Create(this, () => _closed++)));
        cut.Find("input").Input("x");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("1 to 100 characters", cut.Find("[data-testid=add-display-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=pairing-link]"));
    }

    private IRenderedComponent<AddDisplayForm> RenderForm() =>
        Render<AddDisplayForm>(p => p
            .Add(f => f.Create, request =>
            {
                _created.Add(request.Name);
                return Task.FromResult(new PairingLink(request.Name, Code, Url, Expires));
            })
            .Add(f => f.Closed, EventCallback.Factory.Create(this, () => _closed++)));
}
