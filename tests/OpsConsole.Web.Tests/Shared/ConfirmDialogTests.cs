using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Tests.Shared;

public sealed class ConfirmDialogTests : BunitContext, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly Confirmation DisableAlice = new(
        "Disable user alice?", "alice is signed out everywhere and her API tokens are revoked.", "Disable alice");

    private int _calls;

    public ConfirmDialogTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public async Task The_dialog_names_the_target_and_cancel_does_not_run_the_action()
    {
        var provider = Render<MudDialogProvider>();

        var asked = AskThenActAsync(DisableAlice);

        provider.WaitForAssertion(() => Assert.Equal("Disable user alice?", provider.Find("[data-testid=confirm-title]").TextContent), Timeout);
        Assert.Contains("alice is signed out everywhere", provider.Find("[data-testid=confirm-message]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Disable alice", provider.Find("[data-testid=confirm-accept]").TextContent.Trim());
        Assert.Equal("Cancel", provider.Find("[data-testid=confirm-cancel]").TextContent.Trim());
        Assert.Equal(0, _calls); // asking is not acting

        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-cancel]").Click());

        Assert.False(await asked.WaitAsync(Timeout));
        Assert.Equal(0, _calls);
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll("[data-testid=confirm-dialog]")), Timeout);
    }

    [Fact]
    public async Task Confirming_runs_the_action_once()
    {
        var provider = Render<MudDialogProvider>();

        var asked = AskThenActAsync(DisableAlice);
        provider.WaitForAssertion(() => Assert.Single(provider.FindAll("[data-testid=confirm-accept]")), Timeout);
        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-accept]").Click());

        Assert.True(await asked.WaitAsync(Timeout));
        Assert.Equal(1, _calls);
    }

    [Fact]
    public void Cancel_comes_first_and_there_is_no_close_button_so_the_default_focus_is_cancel()
    {
        var provider = Render<MudDialogProvider>();

        _ = AskThenActAsync(DisableAlice);

        provider.WaitForAssertion(() => Assert.Single(provider.FindAll("[data-testid=confirm-dialog]")), Timeout);
        var buttons = provider.FindAll(".mud-dialog-actions button").Select(b => b.GetAttribute("data-testid")).ToList();
        Assert.Equal(["confirm-cancel", "confirm-accept"], buttons);
        Assert.Empty(provider.FindAll(".mud-dialog-title button")); // no close button before Cancel (the e2e test checks the focus itself)
    }

    [Fact]
    public async Task A_typed_confirmation_keeps_the_button_disabled_until_the_name_is_typed()
    {
        var provider = Render<MudDialogProvider>();

        var asked = AskThenActAsync(DisableAlice with { TypeToConfirm = "orders_db" });
        provider.WaitForAssertion(() => Assert.Single(provider.FindAll("[data-testid=confirm-typed]")), Timeout);
        Assert.True(provider.Find("[data-testid=confirm-accept]").HasAttribute("disabled"));

        await provider.InvokeAsync(() => Typed(provider).Input("orders"));
        provider.WaitForAssertion(() => Assert.True(provider.Find("[data-testid=confirm-accept]").HasAttribute("disabled")), Timeout);
        await provider.InvokeAsync(() => Typed(provider).Input("orders_db"));
        provider.WaitForAssertion(() => Assert.False(provider.Find("[data-testid=confirm-accept]").HasAttribute("disabled")), Timeout);
        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-accept]").Click());

        Assert.True(await asked.WaitAsync(Timeout));
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task The_reason_field_is_optional_and_what_was_typed_comes_back_trimmed()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        var first = Renderer.Dispatcher.InvokeAsync(() => dialogs.ConfirmWithReasonAsync(DisableAlice));
        provider.WaitForAssertion(() => Assert.Single(provider.FindAll("[data-testid=confirm-reason]")), Timeout);
        await provider.InvokeAsync(() => Field(provider, "confirm-reason").Change("  left the company  "));
        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-accept]").Click());
        Assert.Equal(new Confirmed("left the company"), await first.WaitAsync(Timeout));

        var second = Renderer.Dispatcher.InvokeAsync(() => dialogs.ConfirmWithReasonAsync(DisableAlice));
        provider.WaitForAssertion(() => Assert.Single(provider.FindAll("[data-testid=confirm-reason]")), Timeout);
        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-accept]").Click());
        Assert.Equal(new Confirmed(null), await second.WaitAsync(Timeout));

        var third = Renderer.Dispatcher.InvokeAsync(() => dialogs.ConfirmWithReasonAsync(DisableAlice));
        provider.WaitForAssertion(() => Assert.Single(provider.FindAll("[data-testid=confirm-cancel]")), Timeout);
        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-cancel]").Click());
        Assert.Null(await third.WaitAsync(Timeout));
    }

    [Fact]
    public void A_plain_confirmation_has_no_reason_field()
    {
        var provider = Render<MudDialogProvider>();

        _ = AskThenActAsync(DisableAlice);

        provider.WaitForAssertion(() => Assert.Single(provider.FindAll("[data-testid=confirm-dialog]")), Timeout);
        Assert.Empty(provider.FindAll("[data-testid=confirm-reason]"));
    }

    private static AngleSharp.Dom.IElement Field(IRenderedComponent<MudDialogProvider> provider, string testId)
    {
        var field = provider.Find($"[data-testid={testId}]");
        return field.TagName == "INPUT" ? field : field.QuerySelector("input")!;
    }

    private static AngleSharp.Dom.IElement Typed(IRenderedComponent<MudDialogProvider> provider)
    {
        var field = provider.Find("[data-testid=confirm-typed]");
        return field.TagName == "INPUT" ? field : field.QuerySelector("input")!;
    }

    // What a page does: ask, and only on a yes call the service.
    private Task<bool> AskThenActAsync(Confirmation confirmation)
    {
        var dialogs = Services.GetRequiredService<IDialogService>();
        return Renderer.Dispatcher.InvokeAsync(async () =>
        {
            if (!await dialogs.ConfirmAsync(confirmation))
            {
                return false;
            }

            _calls++;
            return true;
        });
    }
}
