using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Features.Restores;
using OpsConsole.Web.Features.Wall;

namespace OpsConsole.Web.Tests.Features.Restores;

public sealed class RestoreBannerTests : RestoresTestBed
{
    [Fact]
    public async Task The_banner_shows_a_running_restores_step_and_goes_when_it_is_done()
    {
        await Active.StartAsync(CancellationToken.None);
        var cut = RenderAs<RestoreBanner>(Sam);
        Assert.Empty(cut.FindAll("[data-testid=restore-banner]"));

        var running = Operations.Add(FakeRestoreCommands.Operation(RestoreKinds.Restore, "shop", OperationState.Running, "step 3 of 6: restoring public.orders", 0.42));
        PublishChanged(running);

        cut.WaitForAssertion(() => Assert.Equal("Restore of shop in progress, step 3 of 6: restoring public.orders", Text(cut)), Timeout);
        Assert.Equal("running", cut.Find("[data-testid=restore-banner]").GetAttribute("data-state"));
        Assert.Equal($"/operations/{running.Id}", cut.Find("[data-testid=restore-banner-link]").GetAttribute("href"));

        var further = Operations.Add(running with { Step = "step 5 of 6: swap: end 2 session(s)", Progress = 0.8 });
        PublishChanged(further);
        cut.WaitForAssertion(() => Assert.Equal("Restore of shop in progress, step 5 of 6: swap: end 2 session(s)", Text(cut)), Timeout);

        var done = Operations.Add(further with { State = OperationState.Succeeded, EndedAt = FakeRestoreCommands.T0.AddMinutes(2) });
        PublishChanged(done);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=restore-banner]")), Timeout);
    }

    [Fact]
    public async Task A_restore_awaiting_approval_is_announced_to_everyone_with_the_link_only_for_those_who_may_read_operations()
    {
        var waiting = Operations.Add(FakeRestoreCommands.Operation(RestoreKinds.Restore, "shop", OperationState.AwaitingApproval));
        await Active.StartAsync(CancellationToken.None);

        var sre = RenderAs<RestoreBanner>(Sam);
        var admin = RenderAs<RestoreBanner>(Person("u-bob", "bob", ConsoleRoles.Admin));
        var compliance = RenderAs<RestoreBanner>(Person("u-cleo", "cleo", ConsoleRoles.Compliance));

        sre.WaitForAssertion(() => Assert.Equal("Restore of shop awaits approval (requested by sam)", Text(sre)), Timeout);
        Assert.Equal("approval", sre.Find("[data-testid=restore-banner]").GetAttribute("data-state"));
        Assert.Equal("open it", sre.Find("[data-testid=restore-banner-link]").TextContent.Trim()); // sam asked for it
        admin.WaitForAssertion(() => Assert.Equal("review and approve", admin.Find("[data-testid=restore-banner-link]").TextContent.Trim()), Timeout);
        compliance.WaitForAssertion(() => Assert.Equal("Restore of shop awaits approval (requested by sam)", Text(compliance)), Timeout);
        Assert.Empty(compliance.FindAll("[data-testid=restore-banner-link]"));
        Assert.Equal(waiting.Id.ToString(), sre.Find("[data-testid=restore-banner]").GetAttribute("data-operation"));
    }

    [Fact]
    public async Task Other_operations_are_not_announced_and_a_swap_back_is()
    {
        await Active.StartAsync(CancellationToken.None);
        var cut = RenderAs<RestoreBanner>(Sam);
        var backup = Operations.Add(FakeOperationServiceView(BackupKinds.Backup, "shop"));
        PublishChanged(backup);
        var swap = Operations.Add(FakeRestoreCommands.Operation(RestoreKinds.SwapBack, "orders", OperationState.Running, "step 2 of 3: swapping"));
        PublishChanged(swap);

        cut.WaitForAssertion(() => Assert.Equal("Swap back of orders in progress, step 2 of 3: swapping", Text(cut)), Timeout);
        Assert.Single(cut.FindAll("[data-testid=restore-banner]"));
    }

    [Fact]
    public async Task The_wall_shows_the_same_words_in_its_strip_and_drops_it_when_done()
    {
        await Active.StartAsync(CancellationToken.None);
        var cut = Render<WallRestoreStrip>();
        Assert.Empty(cut.FindAll("[data-testid=wall-restores]"));

        var running = Operations.Add(FakeRestoreCommands.Operation(RestoreKinds.Restore, "shop", OperationState.Running, "step 3 of 6: restoring public.orders", 0.42));
        PublishChanged(running);

        cut.WaitForAssertion(() => Assert.Equal("Restore of shop in progress, step 3 of 6", cut.Find("[data-testid=wall-restore-text]").TextContent), Timeout);
        Assert.Equal("restoring public.orders", cut.Find("[data-testid=wall-restore-detail]").TextContent);

        PublishChanged(Operations.Add(running with { State = OperationState.Failed, Error = "pg_restore exited with code 1" }));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=wall-restores]")), Timeout);
    }

    private static OperationView FakeOperationServiceView(string kind, string database) =>
        global::OpsConsole.Web.Tests.Features.Operations.FakeOperationService.View($"Back up {database}", OperationState.Running, target: ManagedDatabaseCatalog.Target(database), kind: kind);

    private static string Text(IRenderedComponent<RestoreBanner> cut) => cut.Find("[data-testid=restore-banner-text]").TextContent;
}
