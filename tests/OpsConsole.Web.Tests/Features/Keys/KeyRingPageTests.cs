using MudBlazor;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Keys;

namespace OpsConsole.Web.Tests.Features.Keys;

public sealed class KeyRingPageTests : KeysTestBed
{
    [Fact]
    public void The_ring_shows_its_settings_versions_newest_first_and_their_windows_on_the_timeline()
    {
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.Rotated()));

        var cut = RenderRing(Vera);

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=key-version-row]").Count), Timeout);
        Assert.Equal([("pending", FakeKeyCommands.PendingKid), ("active", FakeKeyCommands.SigningKid), ("removed", FakeKeyCommands.OldKid)],
            cut.FindAll("[data-testid=key-version-row]").Select(r => (r.GetAttribute("data-state"), r.GetAttribute("data-kid"))));
        Assert.Equal("cccccccc", cut.FindAll("[data-testid=key-version-kid]")[0].TextContent);
        Assert.Equal(FakeKeyCommands.PendingKid, cut.FindAll("[data-testid=key-version-kid]")[0].GetAttribute("title"));
        Assert.Equal("1w", cut.Find("[data-testid=key-ring-period]").TextContent); // as the API says it
        Assert.EndsWith("/keys/sampleshop/jwks.json", cut.Find("[data-testid=key-ring-jwks]").GetAttribute("href"), StringComparison.Ordinal);

        // The timeline: the pending key published now and signing in an hour (open-ended), the signing key retiring then
        // with its grace after; the key removed yesterday is still within the window, signing then grace.
        var rows = cut.FindAll("[data-testid=key-timeline-row]");
        Assert.Equal([FakeKeyCommands.OldKid, FakeKeyCommands.SigningKid, FakeKeyCommands.PendingKid], rows.Select(r => r.GetAttribute("data-kid")));
        Assert.Equal([["signing", "grace"], ["published", "signing", "grace"], ["published", "signing"]], rows.Select(Kinds));
        Assert.Contains("kt-open", rows[2].QuerySelectorAll("[data-kind=signing]").Single().ClassList);
        Assert.Single(cut.FindAll("[data-testid=key-timeline-now]"));
        Assert.Single(cut.FindAll("[data-testid=key-timeline-next]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=key-timeline-tick]"));
    }

    [Fact]
    public void Rotate_and_revoke_are_not_offered_to_those_who_may_not()
    {
        Commands.MayRotate = false;
        Commands.MayRevoke = false;

        var cut = RenderRing(Vera);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=key-version-row]").Count), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=key-ring-rotate]"));
        Assert.Empty(cut.FindAll("[data-testid=key-version-revoke]"));
        Assert.Single(cut.FindAll("[data-testid=key-ring-no-revoke]"));
    }

    [Fact]
    public async Task Rotate_refuses_a_wrong_confirmation_and_shows_the_services_refusal_on_its_field()
    {
        Commands.OnRotate = () => throw new KeyRequestException("reason", "The reason is longer than 500 characters.");
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderRing(Sam);
        await OpenRotateAsync(cut, dialogs);

        dialogs.Find("[data-testid=rotate-typed-field] input").Input("sampleshop-typo");
        Assert.True(dialogs.Find("button[data-testid=rotate-submit]").HasAttribute("disabled"));
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=rotate-submit]").Click());
        Assert.Empty(Commands.Rotations);

        dialogs.Find("[data-testid=rotate-typed-field] input").Input("sampleshop");
        dialogs.Find("[data-testid=rotate-reason-field] input").Change("planned");
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("button[data-testid=rotate-submit]").HasAttribute("disabled")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=rotate-submit]").Click());

        dialogs.WaitForAssertion(() => Assert.Contains("longer than 500 characters", dialogs.Find("[data-testid=rotate-reason-field]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Contains("mud-input-error", dialogs.Find("[data-testid=rotate-reason-field]").OuterHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("mud-input-error", dialogs.Find("[data-testid=rotate-typed-field]").OuterHtml, StringComparison.Ordinal);
        Assert.Empty(dialogs.FindAll("[data-testid=rotate-started]")); // the dialog stays, nothing started
        Assert.Equal([("sampleshop", (string?)"sampleshop", false, (string?)"planned")], Commands.Rotations);
    }

    [Fact]
    public async Task Rotate_at_once_warns_then_shows_the_started_operation()
    {
        var operation = FakeKeyCommands.Operation(KeyKinds.Rotate, "sampleshop", OperationState.Queued, "Rotate sampleshop now (new key signs at once)");
        Commands.OnRotate = () => operation;
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderRing(Sam);
        await OpenRotateAsync(cut, dialogs);
        Assert.Empty(dialogs.FindAll("[data-testid=rotate-immediate-warning]"));

        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=rotate-immediate-field] input").Change(true));
        dialogs.WaitForAssertion(() => Assert.Contains("reject its tokens until they refresh", dialogs.Find("[data-testid=rotate-immediate-warning]").TextContent, StringComparison.Ordinal), Timeout);
        dialogs.Find("[data-testid=rotate-typed-field] input").Input("sampleshop");
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=rotate-submit]").Click());

        dialogs.WaitForAssertion(() => Assert.EndsWith($"/operations/{operation.Id}", dialogs.Find("[data-testid=rotate-operation-link]").GetAttribute("href"), StringComparison.Ordinal), Timeout);
        Assert.Equal([("sampleshop", (string?)"sampleshop", true, (string?)null)], Commands.Rotations);
    }

    [Fact]
    public async Task Revoke_shows_the_preview_and_needs_the_short_kid_and_a_reason()
    {
        Commands.OnPreview = kid => new RevocationPreview(kid, KeyState.Active, null,
            ["every token bbbbbbbb signed fails from now; consumers that cached the JWKS may accept it until their cache expires (Keys:JwksMaxAge)."], NeedsApproval: true);
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderRing(Sam);
        await OpenRevokeAsync(cut, dialogs, FakeKeyCommands.SigningKid);

        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=revoke-warning]")), Timeout);
        Assert.Contains("every token bbbbbbbb signed fails", dialogs.Find("[data-testid=revoke-warning]").TextContent, StringComparison.Ordinal);
        Assert.Single(dialogs.FindAll("[data-testid=revoke-needs-approval]"));
        Assert.Empty(dialogs.FindAll("[data-testid=revoke-refusal]"));
        Assert.Equal("Request revocation", dialogs.Find("button[data-testid=revoke-submit]").TextContent.Trim());

        dialogs.Find("[data-testid=revoke-typed-field] input").Input("bbbbbbbb");
        Assert.True(dialogs.Find("button[data-testid=revoke-submit]").HasAttribute("disabled")); // no reason yet
        dialogs.Find("[data-testid=revoke-reason-field] input").Input("leaked in a log");
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("button[data-testid=revoke-submit]").HasAttribute("disabled")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=revoke-submit]").Click());

        dialogs.WaitForAssertion(() => Assert.Equal("awaiting approval", dialogs.Find("[data-testid=revoke-operation-state]").TextContent), Timeout);
        Assert.Equal([("sampleshop", FakeKeyCommands.SigningKid, (string?)"bbbbbbbb", (string?)"leaked in a log")], Commands.Revocations);
    }

    [Fact]
    public async Task A_refused_revocation_is_explained_and_cannot_be_confirmed()
    {
        Commands.OnPreview = kid => new RevocationPreview(kid, KeyState.Active,
            $"{kid} is the signing key and no pending key can take over: rotate with immediate activation first.", [], NeedsApproval: false);
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderRing(Sam);
        await OpenRevokeAsync(cut, dialogs, FakeKeyCommands.SigningKid);

        dialogs.WaitForAssertion(() => Assert.Contains("no pending key can take over", dialogs.Find("[data-testid=revoke-refusal]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.True(dialogs.Find("button[data-testid=revoke-submit]").HasAttribute("disabled"));
        Assert.True(dialogs.Find("[data-testid=revoke-typed-field] input").HasAttribute("disabled"));
        await dialogs.InvokeAsync(() => dialogs.Find("button[data-testid=revoke-submit]").Click());
        Assert.Empty(Commands.Revocations);
    }

    [Fact]
    public async Task A_rotation_elsewhere_appears_live_in_the_table_and_the_timeline()
    {
        var cut = RenderRing(Vera);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=key-version-row]").Count), Timeout);
        cut.WaitForAssertion(() => Assert.Equal(1, Subscribers(KeyTopics.Changed.Name)), Timeout);

        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.Rotated()));
        Bus.Publish(KeyTopics.Changed, new KeysChanged("sampleshop"));

        cut.WaitForAssertion(() => Assert.Equal("pending", cut.FindAll("[data-testid=key-version-row]")[0].GetAttribute("data-state")), Timeout);
        Assert.Contains(cut.FindAll("[data-testid=key-timeline-row]"), r => r.GetAttribute("data-kid") == FakeKeyCommands.PendingKid);

        await DisposeComponentsAsync();
        Assert.Equal(0, Subscribers(KeyTopics.Changed.Name));
        Assert.Equal(0, Subscribers(OperationTopics.Changed.Name));
    }

    [Fact]
    public void An_unknown_ring_says_so()
    {
        var cut = RenderRing(Vera, "nope");

        cut.WaitForAssertion(() => Assert.Contains("There is no key ring \"nope\"", cut.Find("[data-testid=key-ring-load-error]").TextContent, StringComparison.Ordinal), Timeout);
    }

    private static string[] Kinds(AngleSharp.Dom.IElement row) =>
        [.. row.QuerySelectorAll("[data-testid=key-timeline-segment]").Select(s => s.GetAttribute("data-kind")!)];

    private static async Task OpenRotateAsync(IRenderedComponent<KeyRingPage> cut, IRenderedComponent<MudDialogProvider> dialogs)
    {
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("button[data-testid=key-ring-rotate]")), Timeout);
        await cut.InvokeAsync(() => cut.Find("button[data-testid=key-ring-rotate]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=rotate-typed-field] input")), Timeout);
    }

    private static async Task OpenRevokeAsync(IRenderedComponent<KeyRingPage> cut, IRenderedComponent<MudDialogProvider> dialogs, string kid)
    {
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=key-version-row]")), Timeout);
        var row = cut.FindAll("[data-testid=key-version-row]").Single(r => r.GetAttribute("data-kid") == kid);
        await cut.InvokeAsync(() => row.QuerySelector("button[data-testid=key-version-revoke]")!.Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=revoke-dialog]")), Timeout);
    }
}

public sealed class KeyConsumersTests : KeysTestBed
{
    [Fact]
    public void Services_validating_the_rings_tokens_are_listed_by_kid_and_one_rejecting_a_removed_key_stands_out()
    {
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.Rotated()) with
        {
            Consumers =
            [
                new KeyConsumerUsage("sampleshop", FakeKeyCommands.SigningKid, 812.4, new Dictionary<string, double> { ["expired"] = 2 }),
                new KeyConsumerUsage("sampleshop", FakeKeyCommands.OldKid, 0, new Dictionary<string, double> { ["unknown_kid"] = 17.2 }),
            ],
        });

        var cut = RenderRing(Vera);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=key-consumer-row]").Count), Timeout);
        var rows = cut.FindAll("[data-testid=key-consumer-row]");
        Assert.Equal([FakeKeyCommands.SigningKid, FakeKeyCommands.OldKid], rows.Select(r => r.GetAttribute("data-kid")));
        Assert.Equal(["2", "17"], rows.Select(r => r.QuerySelector("[data-testid=key-consumer-rejected]")!.TextContent));
        Assert.DoesNotContain("ks-bad", rows[0].ClassList);
        Assert.Contains("ks-bad", rows[1].ClassList); // removed, yet still presented
        Assert.Contains("unknown kid 17", rows[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_reporting_services_the_page_says_how_a_service_gets_listed()
    {
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.Rotated()));

        var cut = RenderRing(Vera);

        cut.WaitForAssertion(() => Assert.Contains("jwt_tokens_validated_total", cut.Find("[data-testid=key-consumers-none]").TextContent, StringComparison.Ordinal), Timeout);
    }

    [Fact]
    public void A_service_that_starts_reporting_appears_when_KeyWatch_next_looks_without_a_reload()
    {
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.Rotated()));
        var cut = RenderRing(Vera);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=key-consumers-none]")), Timeout);
        cut.WaitForAssertion(() => Assert.Equal(1, Subscribers(KeyTopics.ConsumersChanged.Name)), Timeout);

        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.Rotated()) with
        {
            Consumers = [new KeyConsumerUsage("sampleshop", FakeKeyCommands.SigningKid, 3, new Dictionary<string, double>())],
        });
        Bus.Publish(KeyTopics.ConsumersChanged, "partners"); // another ring's consumers: not this page's
        Bus.Publish(KeyTopics.ConsumersChanged, "sampleshop");

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=key-consumer-row]")), Timeout);
    }
}
