using AngleSharp.Dom;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Tests.Features.Operations;

public sealed class OperationsPageTests : OperationsTestBed
{
    [Fact]
    public void Running_and_waiting_operations_show_above_the_finished_ones_with_their_state_words()
    {
        Operations.Add(FakeOperationService.View("Back up sampleshop (nightly)", OperationState.Succeeded, 1));
        Operations.Add(FakeOperationService.View("Back up sampleshop (manual)", OperationState.Failed, 2));
        Operations.Add(FakeOperationService.View("Back up console", OperationState.Running, 3, target: "database:console"));
        Operations.Add(FakeOperationService.View("Restore billing", OperationState.AwaitingApproval, 4, target: "database:billing", kind: "restore") with
        {
            NeedsApproval = true,
            ApprovalExpiresAt = DateTimeOffset.UtcNow.AddHours(3).AddMinutes(30),
        });
        Operations.Add(FakeOperationService.View("Drill sampleshop", OperationState.Cancelled, 5, kind: "restore-drill") with { CancelledBy = "bob" });

        var cut = RenderAs<OperationsPage>(Alice);

        cut.WaitForAssertion(() => Assert.Equal(["running", "awaiting approval"], States(Section(cut, "operations-active"))), Timeout);
        Assert.Equal(["cancelled", "failed", "succeeded"], States(Section(cut, "operations-recent")));
        Assert.Equal(["Drill sampleshop", "Back up sampleshop (manual)", "Back up sampleshop (nightly)"], Titles(Section(cut, "operations-recent")));

        var running = Section(cut, "operations-active").QuerySelector("[data-testid=operation-progress]")!;
        Assert.Equal("0.4", running.GetAttribute("data-progress"));
        Assert.Contains("dumping tables", running.TextContent, StringComparison.Ordinal);
        Assert.Contains("40 %", running.TextContent, StringComparison.Ordinal);
        Assert.Matches("^needs a second person · expires in 3 h (29|30) min$", cut.Find("[data-testid=operation-approval]").TextContent.Trim());
        Assert.Equal("pg_dump exited with code 1: connection refused", cut.Find("[data-testid=operation-error]").TextContent);
        Assert.Equal("00:01:12", Section(cut, "operations-recent").QuerySelector("[data-testid=operation-duration]")!.TextContent);
        var link = Section(cut, "operations-recent").QuerySelector("[data-testid=operation-link]")!;
        Assert.StartsWith("/operations/", link.GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_sections_say_so()
    {
        var cut = RenderAs<OperationsPage>(Alice);

        cut.WaitForAssertion(() => Assert.Equal("Nothing is running or waiting.", cut.Find("[data-testid=operations-active-empty]").TextContent), Timeout);
        Assert.Equal("No operation has finished yet.", cut.Find("[data-testid=operations-recent-empty]").TextContent);
    }

    [Fact]
    public async Task A_change_published_live_re_renders_the_lists_and_disposal_stops_listening()
    {
        var op = Operations.Add(FakeOperationService.View("Back up sampleshop (manual)", OperationState.Running, 1));
        var cut = RenderAs<OperationsPage>(Alice);
        cut.WaitForAssertion(() => Assert.Equal(["running"], States(Section(cut, "operations-active"))), Timeout);
        Assert.Equal(1, Subscribers(OperationTopics.Changed));

        // The run ends: it leaves "Running and waiting" and heads "Recent" without a reload.
        Operations.Add(op with { State = OperationState.Succeeded, Progress = 1, EndedAt = op.StartedAt!.Value.AddSeconds(30) });
        PublishChanged(op with { State = OperationState.Succeeded });

        cut.WaitForAssertion(() => Assert.Equal(["succeeded"], States(Section(cut, "operations-recent"))), Timeout);
        Assert.Single(cut.FindAll("[data-testid=operations-active-empty]"));

        await DisposeComponentsAsync();

        Assert.Equal(0, Subscribers(OperationTopics.Changed));
        var reads = Operations.Queries.Count;
        PublishChanged(op);
        var topic = Bus.Statistics.Topics[OperationTopics.Changed.Name];
        Assert.Equal(topic.Published - 1, topic.Delivered); // the last change reached nobody
        Assert.Equal(reads, Operations.Queries.Count);
    }

    [Fact]
    public void Kind_and_target_from_the_address_filter_both_sections_and_show_as_removable_chips()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/operations?kind=backup&target=database%3Asampleshop");

        var cut = RenderAs<OperationsPage>(Alice);

        cut.WaitForAssertion(() => Assert.Equal(2, Operations.Queries.Count), Timeout);
        Assert.All(Operations.Queries, q => Assert.Equal(("backup", "database:sampleshop"), (q.Kind, q.Target)));
        Assert.Equal([true, false], Operations.Queries.Select(q => q.ActiveOnly));
        Assert.Contains("target: database:sampleshop", cut.Find("[data-testid=filter-target]").TextContent, StringComparison.Ordinal);
        Assert.Contains("kind: backup", cut.Find("[data-testid=filter-kind]").TextContent, StringComparison.Ordinal);
        Assert.Equal("No finished operations match these filters.", cut.Find("[data-testid=operations-recent-empty]").TextContent);
    }

    [Fact]
    public async Task Closing_a_filter_chip_drops_that_filter_from_the_address_and_reads_again()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/operations?kind=backup&target=database%3Asampleshop");
        var cut = RenderAs<OperationsPage>(Alice);
        cut.WaitForAssertion(() => Assert.Equal(2, Operations.Queries.Count), Timeout);

        await cut.InvokeAsync(() => cut.Find("[data-testid=filter-target] .mud-chip-close-button").Click());

        Assert.EndsWith("/operations?kind=backup", navigation.Uri, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal(4, Operations.Queries.Count), Timeout);
        Assert.Equal(("backup", null), (Operations.Queries[^1].Kind, Operations.Queries[^1].Target));
        Assert.Empty(cut.FindAll("[data-testid=filter-target]"));
    }

    [Fact]
    public void A_rows_kind_and_target_link_to_the_list_filtered_by_them()
    {
        Operations.Add(FakeOperationService.View("Back up sampleshop", OperationState.Succeeded, 1));

        var cut = RenderAs<OperationsPage>(Alice);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=operation-target]")), Timeout);
        Assert.Equal("/operations?target=database%3Asampleshop", cut.Find("[data-testid=operation-target]").GetAttribute("href"));
        Assert.Equal("/operations?kind=backup", cut.Find("[data-testid=operation-kind]").GetAttribute("href"));
    }

    private static IElement Section(IRenderedComponent<OperationsPage> cut, string testId) => cut.Find($"[data-testid={testId}]");

    private static List<string> States(IElement section) =>
        [.. section.QuerySelectorAll("[data-testid=operation-state]").Select(e => e.GetAttribute("data-state") ?? "")];

    private static List<string> Titles(IElement section) =>
        [.. section.QuerySelectorAll("[data-testid=operation-link]").Select(e => e.TextContent)];
}
