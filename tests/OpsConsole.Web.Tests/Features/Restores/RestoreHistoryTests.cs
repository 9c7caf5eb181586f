using MudBlazor;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Features.Restores;

namespace OpsConsole.Web.Tests.Features.Restores;

public sealed class RestoreHistoryTests : RestoresTestBed
{
    [Fact]
    public void Swap_back_is_offered_only_while_the_replaced_database_is_kept_and_only_to_those_who_may_restore()
    {
        var kept = Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 2));
        var dropped = Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 30, dropped: FakeRestoreCommands.T0.AddHours(-5)));
        var swappedBack = Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 3, swappedBack: FakeRestoreCommands.T0.AddHours(-1)));
        var failed = Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 4, phase: RestorePhases.Failed, state: OperationState.Failed, setAside: null));
        var asNew = Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 5, mode: RestoreModes.NewDatabase, setAside: null));

        var cut = RenderHistory(Sam, canAct: true);

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=restore-row]").Count), Timeout);
        Assert.Equal([kept.Id.ToString()], cut.FindAll("[data-testid=restore-swap-back]").Select(b => b.Closest("tr")!.GetAttribute("data-restore")));
        Assert.Contains("swapped back by bob", Row(cut, swappedBack.Id).QuerySelector("[data-testid=restore-row-kept]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("dropped", Row(cut, dropped.Id).QuerySelector("[data-testid=restore-row-kept]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("failed", Row(cut, failed.Id).GetAttribute("data-state"));
        Assert.Contains("pg_restore exited with code 1", Row(cut, failed.Id).TextContent, StringComparison.Ordinal);
        Assert.Equal("413 ms", Row(cut, kept.Id).QuerySelector("[data-testid=restore-row-gap]")!.TextContent);
        Assert.Contains("approved by bob", Row(cut, kept.Id).QuerySelector("[data-testid=restore-row-approved]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("new database", Row(cut, asNew.Id).TextContent, StringComparison.Ordinal);

        var viewer = RenderHistory(Vera, canAct: false);
        viewer.WaitForAssertion(() => Assert.Equal(5, viewer.FindAll("[data-testid=restore-row]").Count), Timeout);
        Assert.Empty(viewer.FindAll("[data-testid=restore-swap-back]"));
    }

    [Fact]
    public void The_swap_back_goes_when_the_keep_time_runs_out()
    {
        Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 23, keepHours: 24)); // kept until T0 + 1 h; the clock is at T0 + 1 min
        var cut = RenderHistory(Sam, canAct: true);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-swap-back]")), Timeout);

        Time.Advance(TimeSpan.FromHours(1));

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=restore-swap-back]")), Timeout);
    }

    [Fact]
    public async Task Swap_back_asks_for_the_database_name_then_opens_the_operation()
    {
        var restore = Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 2));
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderHistory(Sam, canAct: true);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-swap-back]")), Timeout);

        await cut.InvokeAsync(() => cut.Find("[data-testid=restore-swap-back]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-typed]")), Timeout);
        Assert.Equal("Swap shop back to shop__before_20260501?", dialogs.Find("[data-testid=confirm-title]").TextContent);
        await dialogs.InvokeAsync(() => Input(dialogs, "confirm-typed").Input("Shop"));
        Assert.True(dialogs.Find("[data-testid=confirm-accept]").HasAttribute("disabled"));
        Assert.Empty(Commands.SwapBacks);
        await dialogs.InvokeAsync(() => Input(dialogs, "confirm-typed").Input("shop"));
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=confirm-accept]").HasAttribute("disabled")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal([(restore.Id, (string?)"shop", "sam")], Commands.SwapBacks), Timeout);
        cut.WaitForAssertion(() => Assert.Matches("/operations/[0-9a-f-]{36}$", Navigation.Uri), Timeout);
    }

    [Fact]
    public async Task The_history_follows_the_database_live_and_lets_go_when_disposed()
    {
        var before = Subscribers(RestoreKinds.Changed.Name) + Subscribers(OperationTopics.Changed.Name);
        var cut = RenderHistory(Sam, canAct: true);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-history-empty]")), Timeout);
        cut.WaitForAssertion(() => Assert.Equal(before + 2, Subscribers(RestoreKinds.Changed.Name) + Subscribers(OperationTopics.Changed.Name)), Timeout);

        // Another database's restore is not this page's news.
        var reads = Commands.ListReads;
        Bus.Publish(RestoreKinds.Changed, new RestoresChanged("other"));
        var restore = Commands.Add(FakeRestoreCommands.Restore(hoursAgo: 0, phase: RestorePhases.Restoring, state: OperationState.Running, setAside: null));
        Bus.Publish(RestoreKinds.Changed, new RestoresChanged("shop"));

        cut.WaitForAssertion(() => Assert.Equal("running", Row(cut, restore.Id).GetAttribute("data-state")), Timeout);
        Assert.Equal(reads + 1, Commands.ListReads);

        // The operation ending moves the row too.
        Commands.Add(restore with { State = OperationState.Succeeded, Phase = RestorePhases.Done });
        Bus.Publish(OperationTopics.Changed, new OperationChanged(restore.Id, "database:shop", OperationState.Succeeded, false));
        cut.WaitForAssertion(() => Assert.Equal("succeeded", Row(cut, restore.Id).GetAttribute("data-state")), Timeout);

        await DisposeComponentsAsync();
        Assert.Equal(before, Subscribers(RestoreKinds.Changed.Name) + Subscribers(OperationTopics.Changed.Name));
    }

    private IRenderedComponent<RestoreHistory> RenderHistory(System.Security.Claims.ClaimsPrincipal user, bool canAct) =>
        RenderAs<RestoreHistory>(user, p => p.Add(x => x.Database, "shop").Add(x => x.CanAct, canAct));

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<RestoreHistory> cut, Guid id) =>
        cut.FindAll("[data-testid=restore-row]").Single(r => r.GetAttribute("data-restore") == id.ToString());
}
