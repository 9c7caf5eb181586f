using OpsConsole.Core.Keys;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Keys;

namespace OpsConsole.Web.Tests.Features.Keys;

public sealed class KeysPageTests : KeysTestBed
{
    [Fact]
    public void Each_ring_shows_its_signer_next_rotation_urgency_and_published_keys()
    {
        var cut = RenderAs<KeysPage>(Vera);

        cut.WaitForAssertion(() => Assert.Equal(["partners", "sampleshop"], cut.FindAll("[data-testid=key-ring-card]").Select(c => c.GetAttribute("data-ring"))), Timeout);
        var shop = Card(cut, "sampleshop");
        Assert.Equal("bbbbbbbb", shop.QuerySelector("[data-testid=key-ring-signing]")!.TextContent.Trim());
        Assert.Equal("1", shop.QuerySelector("[data-testid=key-ring-published]")!.GetAttribute("data-count")); // the removed key is not published
        Assert.Contains("2026-12-12 11:00", shop.QuerySelector("[data-testid=key-ring-next]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("in 4 d 23 h", shop.QuerySelector("[data-testid=key-ring-time-left]")!.TextContent);
        Assert.Null(shop.QuerySelector("[data-testid=key-urgency]")); // not due: no chip
        Assert.Equal("ES256", shop.QuerySelector("[data-testid=key-ring-algorithm]")!.TextContent);
        Assert.EndsWith("/keys/sampleshop", shop.QuerySelector("[data-testid=key-ring-link]")!.GetAttribute("href"), StringComparison.Ordinal);

        var partners = Card(cut, "partners");
        Assert.Equal("overdue", partners.QuerySelector("[data-testid=key-urgency]")!.GetAttribute("data-urgency"));
        Assert.Equal("RS256 (2048-bit)", partners.QuerySelector("[data-testid=key-ring-algorithm]")!.TextContent);
    }

    [Fact]
    public void A_ring_due_soon_says_so_and_a_ring_without_a_signing_key_shows_the_problem()
    {
        // sampleshop 12 hours before its next rotation (WarnBefore 1d); partners' only key revoked.
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.SampleShopVersions(), FakeKeyCommands.T0.AddDays(4).AddHours(11)));
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.Partners,
            [new KeyVersion(FakeKeyCommands.SigningKid, FakeKeyCommands.T0.AddDays(-3), FakeKeyCommands.T0.AddDays(-3), FakeKeyCommands.T0.AddDays(-3), RevokedAt: FakeKeyCommands.T0.AddHours(-1))]));

        var cut = RenderAs<KeysPage>(Vera);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=key-ring-card]").Count), Timeout);
        Assert.Equal("due-soon", Card(cut, "sampleshop").QuerySelector("[data-testid=key-urgency]")!.GetAttribute("data-urgency"));
        var partners = Card(cut, "partners");
        Assert.Equal("none", partners.QuerySelector("[data-testid=key-ring-signing]")!.TextContent.Trim());
        Assert.Contains("no key signs", partners.QuerySelector("[data-testid=key-ring-problem]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void An_operation_under_way_links_to_its_page()
    {
        var operation = FakeKeyCommands.Operation(KeyKinds.Rotate, "sampleshop", OperationState.Running);
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.SampleShopVersions(), active: operation));

        var cut = RenderAs<KeysPage>(Vera);

        cut.WaitForAssertion(() => Assert.NotNull(Card(cut, "sampleshop").QuerySelector("[data-testid=key-ring-operation-link]")), Timeout);
        var link = Card(cut, "sampleshop").QuerySelector("[data-testid=key-ring-operation-link]")!;
        Assert.EndsWith($"/operations/{operation.Id}", link.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal("running", Card(cut, "sampleshop").QuerySelector("[data-testid=operation-state]")!.GetAttribute("data-state"));
        Assert.Null(Card(cut, "partners").QuerySelector("[data-testid=key-ring-operation]"));
    }

    [Fact]
    public async Task The_list_follows_key_changes_and_the_rings_operations_live()
    {
        var cut = RenderAs<KeysPage>(Vera);
        cut.WaitForAssertion(() => Assert.Equal(1, Subscribers(KeyTopics.Changed.Name)), Timeout);

        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.SampleShop, FakeKeyCommands.Rotated()));
        Bus.Publish(KeyTopics.Changed, new KeysChanged("sampleshop"));

        cut.WaitForAssertion(() => Assert.Equal("2", Card(cut, "sampleshop").QuerySelector("[data-testid=key-ring-published]")!.GetAttribute("data-count")), Timeout);

        // An operation on a ring moves: the card shows it without a key change.
        var operation = FakeKeyCommands.Operation(KeyKinds.Rotate, "partners", OperationState.Queued, "Rotate partners");
        Commands.Set(FakeKeyCommands.View(FakeKeyCommands.Partners, [new KeyVersion(FakeKeyCommands.SigningKid, FakeKeyCommands.T0.AddDays(-29), FakeKeyCommands.T0.AddDays(-29), FakeKeyCommands.T0.AddDays(-29))], active: operation));
        Bus.Publish(OperationTopics.Changed, new OperationChanged(operation.Id, KeyKinds.Target("partners"), OperationState.Queued, false));

        cut.WaitForAssertion(() => Assert.NotNull(Card(cut, "partners").QuerySelector("[data-testid=key-ring-operation-link]")), Timeout);

        await DisposeComponentsAsync();
        Assert.Equal(0, Subscribers(KeyTopics.Changed.Name));
        Assert.Equal(0, Subscribers(OperationTopics.Changed.Name));
    }

    [Fact]
    public void Time_left_moves_with_the_clock_without_any_event()
    {
        var cut = RenderAs<KeysPage>(Vera);
        cut.WaitForAssertion(() => Assert.Equal("in 4 d 23 h", Card(cut, "sampleshop").QuerySelector("[data-testid=key-ring-time-left]")!.TextContent), Timeout);
        var reads = Commands.Reads;

        Time.Advance(TimeSpan.FromHours(2));
        cut.WaitForAssertion(() => Assert.True(Commands.Reads > reads), Timeout);
        Time.Advance(KeyText.Clock);

        cut.WaitForAssertion(() => Assert.Equal("in 4 d 20 h", Card(cut, "sampleshop").QuerySelector("[data-testid=key-ring-time-left]")!.TextContent), Timeout);
    }

    private static AngleSharp.Dom.IElement Card(IRenderedComponent<KeysPage> cut, string ring) =>
        cut.FindAll("[data-testid=key-ring-card]").Single(c => c.GetAttribute("data-ring") == ring);
}
