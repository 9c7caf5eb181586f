using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Features.Restores;

namespace OpsConsole.Web.Tests.Features.Restores;

public sealed class RestorePlanPageTests : RestoresTestBed
{
    [Fact]
    public async Task Planning_shows_the_backup_the_sessions_the_swap_ends_the_estimate_the_steps_and_the_warnings()
    {
        Commands.OnPlan = _ => FakeRestoreCommands.Plan(
            warnings: ["shop goes back to 2026-05-01 07:00 UTC (3 h ago): writes since then will not be in it"],
            connections: [FakeRestoreCommands.Connection(101, "shop-api", "10.0.0.7"), FakeRestoreCommands.Connection(102, "", "10.0.0.8")]);
        var cut = RenderPage(Sam);

        await PlanAsync(cut);

        Assert.Equal([("shop", new RestorePlanRequest(null, RestoreModes.Replace, null))], Commands.Plans);
        Assert.Equal(["shop-api", "(no name)"], cut.FindAll("[data-testid=restore-connection-application]").Select(c => c.TextContent));
        Assert.Contains("10.0.0.7", cut.FindAll("[data-testid=restore-connection]")[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("writes since then will not be in it", cut.Find("[data-testid=restore-warning]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=restore-problems]"));
        Assert.Equal(6, cut.FindAll("[data-testid=restore-step]").Count);
        Assert.Contains("swap: end 2 session(s)", cut.FindAll("[data-testid=restore-step]")[4].TextContent, StringComparison.Ordinal);
        Assert.Equal("true", cut.Find("[data-testid=restore-plan-verified]").GetAttribute("data-verified"));
        Assert.Equal("passed", cut.Find("[data-testid=restore-plan-drill-result]").TextContent);
        Assert.Equal("about 51.0 s", cut.Find("[data-testid=restore-plan-duration]").TextContent);
        Assert.Equal("true", cut.Find("[data-testid=restore-plan-approval]").GetAttribute("data-needs-approval"));
        Assert.Equal(["true", "unknown"], cut.FindAll("[data-testid=restore-disk-row]").Select(r => r.GetAttribute("data-enough")));
        Assert.Contains("the backup directory cannot be read", cut.FindAll("[data-testid=restore-disk-row]")[1].TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Shop")]
    [InlineData("shop ")]
    [InlineData("sho")]
    [InlineData("sampleshop")]
    public async Task The_restore_button_stays_disabled_until_the_name_is_typed_exactly(string typed)
    {
        var cut = RenderPage(Sam);
        await PlanAsync(cut);
        Assert.True(Submit(cut).HasAttribute("disabled"), "enabled before anything was typed");

        await TypeAsync(cut, typed);
        Assert.True(Submit(cut).HasAttribute("disabled"), $"enabled with \"{typed}\" typed");

        await TypeAsync(cut, "shop");
        Assert.False(Submit(cut).HasAttribute("disabled"), "disabled with the exact name typed");
        Assert.Equal("Type shop to confirm", cut.Find("[data-testid=restore-typed-field] label").TextContent);
    }

    [Fact]
    public async Task A_plan_with_problems_cannot_be_confirmed_even_with_the_name_typed()
    {
        Commands.OnPlan = _ => FakeRestoreCommands.Plan(
            problems: ["the database server's disk has 10 MiB free but the restored copy needs about 48 MiB (1.2x the database's size)"],
            warnings: ["shop has no successful restore drill yet"]);
        var cut = RenderPage(Sam);

        await PlanAsync(cut);

        Assert.Contains("restored copy needs about 48 MiB", cut.Find("[data-testid=restore-problem]").TextContent, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=restore-warning]"));
        Assert.Single(cut.FindAll("[data-testid=restore-blocked]"));
        Assert.True(Input(cut, "restore-typed").HasAttribute("disabled"));
        Assert.True(Submit(cut).HasAttribute("disabled"));
        await cut.InvokeAsync(() => Submit(cut).Click());
        Assert.Empty(Commands.Requests);
    }

    [Fact]
    public async Task An_expired_plan_cannot_be_confirmed()
    {
        var cut = RenderPage(Sam);
        await PlanAsync(cut);
        await TypeAsync(cut, "shop");
        Assert.False(Submit(cut).HasAttribute("disabled"));

        Time.Advance(TimeSpan.FromMinutes(30)); // the plan was valid for 30 minutes from a minute before

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-expired]")), Timeout);
        Assert.True(Submit(cut).HasAttribute("disabled"));
    }

    [Fact]
    public async Task Restore_requests_the_planned_restore_with_the_typed_name_and_opens_its_operation()
    {
        var plan = FakeRestoreCommands.Plan();
        Commands.OnPlan = _ => plan;
        var operation = FakeRestoreCommands.Operation(RestoreKinds.Restore, "shop", OperationState.AwaitingApproval);
        Commands.OnRequest = (_, _) => operation;
        var cut = RenderPage(Sam);
        await PlanAsync(cut);
        Assert.Equal("Request restore", Submit(cut).TextContent.Trim()); // the plan needs a second person

        await TypeAsync(cut, "shop");
        await cut.InvokeAsync(() => Submit(cut).Click());

        Assert.Equal([("shop", plan.Id, "shop", "sam")], Commands.Requests);
        Assert.EndsWith($"/operations/{operation.Id}", Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_is_shown_next_to_the_field_it_names()
    {
        Commands.OnRequest = (_, _) => throw new RestorePlanException("confirmation", "Type the database name \"shop\" exactly to confirm the restore.");
        var cut = RenderPage(Sam);
        await PlanAsync(cut);
        await TypeAsync(cut, "shop");

        await cut.InvokeAsync(() => Submit(cut).Click());

        cut.WaitForAssertion(() => Assert.Contains("exactly to confirm the restore.", cut.Find("[data-testid=restore-confirm]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.DoesNotContain("(Parameter", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("mud-input-error", cut.Find("[data-testid=restore-typed-field]").OuterHtml, StringComparison.Ordinal);
        Assert.EndsWith("/databases/shop/restore", Navigation.Uri, StringComparison.Ordinal); // stayed on the page

        Commands.OnRequest = (_, _) => throw new RestorePlanException("planId", "The plan changed since it was made: a newer backup was taken. Plan the restore again.");
        await cut.InvokeAsync(() => Submit(cut).Click());
        cut.WaitForAssertion(() => Assert.Contains("The plan changed since it was made", cut.Find("[data-testid=restore-request-error]").TextContent, StringComparison.Ordinal), Timeout);
    }

    [Fact]
    public async Task A_new_database_is_named_and_a_bad_name_is_refused_next_to_the_name_field()
    {
        Commands.OnPlan = request => request.NewDatabase == "Shop Copy"
            ? throw new RestorePlanException("newDatabase", "\"Shop Copy\" is not a plain database name.")
            : FakeRestoreCommands.Plan(mode: RestoreModes.NewDatabase, newDatabase: request.NewDatabase, needsApproval: false);
        var cut = RenderPage(Sam);
        await cut.InvokeAsync(() => cut.Find("[data-testid=restore-mode-new]").Click());
        await cut.InvokeAsync(() => Input(cut, "restore-new-name").Change("Shop Copy"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=restore-plan-button]").Click());

        cut.WaitForAssertion(() => Assert.Contains("is not a plain database name", cut.Find("[data-testid=restore-form]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=restore-plan]"));

        await cut.InvokeAsync(() => Input(cut, "restore-new-name").Change("shop_copy"));
        await PlanAsync(cut);

        Assert.Equal(new RestorePlanRequest(null, RestoreModes.NewDatabase, "shop_copy"), Commands.Plans[^1].Request);
        Assert.Equal("Type shop_copy to confirm", cut.Find("[data-testid=restore-typed-field] label").TextContent);
        Assert.Single(cut.FindAll("[data-testid=restore-connections-none]")); // nothing is cut
        Assert.Equal("Restore", Submit(cut).TextContent.Trim());
    }

    [Fact]
    public async Task The_backup_from_the_inventory_link_is_the_one_planned_and_changing_the_choice_drops_the_plan()
    {
        var older = FakeRestoreCommands.Backup(30);
        Commands.Backups.AddRange([FakeRestoreCommands.Backup(3), older]);
        Commands.OnPlan = request => FakeRestoreCommands.Plan(backup: request.BackupId == older.Id ? older : null);
        var cut = RenderPage(Sam, older.Id);

        await PlanAsync(cut);

        Assert.Equal(older.Id, Commands.Plans.Single().Request.BackupId);
        Assert.Contains(older.FileName, cut.Find("[data-testid=restore-plan-backup]").TextContent, StringComparison.Ordinal);

        await cut.InvokeAsync(() => cut.Find("[data-testid=restore-mode-new]").Click());
        Assert.Empty(cut.FindAll("[data-testid=restore-plan]"));
        Assert.Empty(cut.FindAll("[data-testid=restore-submit]"));
    }

    [Fact]
    public void People_who_may_not_restore_get_a_message_instead_of_the_form()
    {
        Commands.MayAct = false;
        var cut = RenderPage(Vera);

        cut.WaitForAssertion(() => Assert.Contains("needs the Admin or Sre role", cut.Find("[data-testid=restore-not-allowed]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=restore-form]"));
        Assert.Empty(cut.FindAll("[data-testid=restore-submit]"));
    }

    private IRenderedComponent<RestorePlanPage> RenderPage(System.Security.Claims.ClaimsPrincipal user, Guid? backup = null)
    {
        // The page's address, as the inventory's "Restore…" link makes it.
        Navigation.NavigateTo(RestoreText.PlanHref("shop", backup));
        return RenderAs<RestorePlanPage>(user, p => p.Add(x => x.Name, "shop"));
    }

    private async Task PlanAsync(IRenderedComponent<RestorePlanPage> cut)
    {
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-plan-button]")), Timeout);
        await cut.InvokeAsync(() => cut.Find("[data-testid=restore-plan-button]").Click());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-plan]")), Timeout);
    }

    private static Task TypeAsync(IRenderedComponent<RestorePlanPage> cut, string text) =>
        cut.InvokeAsync(() => Input(cut, "restore-typed").Input(text));

    private static AngleSharp.Dom.IElement Submit(IRenderedComponent<RestorePlanPage> cut) => cut.Find("[data-testid=restore-submit]");
}
