using MudBlazor;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Tests.Features.Operations;

public sealed class OperationDetailPageTests : OperationsTestBed
{
    [Fact]
    public async Task The_log_streams_new_lines_as_it_grows_and_stops_listening_after_disposal()
    {
        var op = Operations.Add(FakeOperationService.View("Back up sampleshop (manual)", OperationState.Running, 1));
        Operations.Log(op.Id, "connecting to sampleshop");
        Operations.Log(op.Id, "server 16.4 is newer than pg_dump 15", OperationLogLevel.Warning);

        var cut = RenderAs<OperationDetailPage>(Alice, p => p.Add(x => x.Id, op.Id));

        cut.WaitForAssertion(() => Assert.Equal(["1", "2"], Seqs(cut)), Timeout);
        Assert.Equal(1, Subscribers(OperationTopics.LogGrew));
        Assert.Equal(1, Subscribers(OperationTopics.Changed));
        var warning = cut.FindAll("[data-testid=operation-log-line]")[1];
        Assert.Contains("op-log-warning", warning.ClassList);
        Assert.Contains("10:00:01.125", warning.TextContent, StringComparison.Ordinal);
        Assert.Contains("WARN", warning.TextContent, StringComparison.Ordinal);

        // The runner flushes two more lines and announces them: they are appended after the last one shown.
        Operations.Log(op.Id, "dumping 12 tables");
        Operations.Log(op.Id, "pg_dump failed", OperationLogLevel.Error);
        Bus.Publish(OperationTopics.LogGrew, new OperationLogGrew(op.Id, 4));
        cut.WaitForAssertion(() => Assert.Equal(["1", "2", "3", "4"], Seqs(cut)), Timeout);
        Assert.Contains("op-log-error", cut.FindAll("[data-testid=operation-log-line]")[3].ClassList);
        Assert.Equal("4 lines", cut.Find("[data-testid=operation-log-count]").TextContent);

        await DisposeComponentsAsync();

        Assert.Equal(0, Subscribers(OperationTopics.LogGrew));
        Assert.Equal(0, Subscribers(OperationTopics.Changed));
        var reads = Operations.LogReads;
        Operations.Log(op.Id, "after the page closed");
        Bus.Publish(OperationTopics.LogGrew, new OperationLogGrew(op.Id, 5));
        var topic = Bus.Statistics.Topics[OperationTopics.LogGrew.Name];
        Assert.Equal(topic.Published - 1, topic.Delivered); // the last growth reached nobody
        Assert.Equal(reads, Operations.LogReads);
    }

    [Fact]
    public void Progress_and_state_follow_the_operation_live()
    {
        var op = Operations.Add(FakeOperationService.View("Back up sampleshop (manual)", OperationState.Running, 1));
        var cut = RenderAs<OperationDetailPage>(Alice, p => p.Add(x => x.Id, op.Id));
        cut.WaitForAssertion(() => Assert.Equal("0.4", cut.Find("[data-testid=operation-progress]").GetAttribute("data-progress")), Timeout);

        Operations.Add(op with { Progress = 0.75, Step = "verifying" });
        PublishChanged(op);
        cut.WaitForAssertion(() => Assert.Equal("verifying", cut.Find("[data-testid=operation-step]").TextContent), Timeout);
        Assert.Equal("0.75", cut.Find("[data-testid=operation-progress]").GetAttribute("data-progress"));

        Operations.Add(op with { State = OperationState.Failed, EndedAt = op.StartedAt!.Value.AddMinutes(2), Error = "pg_dump exited with code 1: disk full" });
        PublishChanged(op with { State = OperationState.Failed });
        cut.WaitForAssertion(() => Assert.Equal("failed", cut.Find("[data-testid=operation-state]").GetAttribute("data-state")), Timeout);
        Assert.Contains("pg_dump exited with code 1: disk full", cut.Find("[data-testid=operation-error]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=operation-progress]"));
        Assert.Equal("00:02:00", cut.Find("[data-testid=operation-duration]").TextContent);
    }

    [Fact]
    public void The_requester_sees_approve_disabled_with_the_reason()
    {
        var op = Operations.Add(AwaitingApproval());

        var cut = RenderAs<OperationDetailPage>(Alice, p => p.Add(x => x.Id, op.Id));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=operation-approve-self]")), Timeout);
        Assert.True(cut.Find("button[data-testid=operation-approve]").HasAttribute("disabled"));
        Assert.Equal("You requested this; a different person must approve it", cut.Find("[data-testid=operation-approve-self]").TextContent);
        Assert.Contains("Needs approval by a second person, expires in", cut.Find("[data-testid=operation-approval]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_else_approves_after_a_confirmation_naming_the_operation_and_the_requester()
    {
        var op = Operations.Add(AwaitingApproval());
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderAs<OperationDetailPage>(Bob, p => p.Add(x => x.Id, op.Id));
        cut.WaitForAssertion(() => Assert.False(cut.Find("button[data-testid=operation-approve]").HasAttribute("disabled")), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=operation-approve-self]"));

        await cut.InvokeAsync(() => cut.Find("button[data-testid=operation-approve]").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("Approve “Restore billing”?", dialogs.Find("[data-testid=confirm-title]").TextContent), Timeout);
        Assert.StartsWith("alice asked for this restore on database:billing", dialogs.Find("[data-testid=confirm-message]").TextContent, StringComparison.Ordinal);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal("queued", cut.Find("[data-testid=operation-state]").GetAttribute("data-state")), Timeout);
        Assert.Equal([("approve", op.Id, "bob")], Operations.Actions);
        Assert.StartsWith("Approved", cut.Find("[data-testid=operation-message]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.StartsWith("by bob at", cut.Find("[data-testid=operation-approved]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=operation-approve]"));
    }

    [Fact]
    public async Task A_refused_approval_shows_the_services_reason_on_the_page()
    {
        var op = Operations.Add(AwaitingApproval());
        Operations.OnApprove = (_, _) => throw new OperationRefusedException(OperationLifecycle.Describe(ApprovalVerdict.Expired), OperationRefusal.Expired);
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderAs<OperationDetailPage>(Bob, p => p.Add(x => x.Id, op.Id));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("button[data-testid=operation-approve]")), Timeout);

        await cut.InvokeAsync(() => cut.Find("button[data-testid=operation-approve]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-accept]")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal(
            "The request expired before anyone approved it; request the operation again.",
            cut.Find("[data-testid=operation-message]").TextContent.Trim()), Timeout);
        Assert.Equal("awaiting approval", cut.Find("[data-testid=operation-state]").GetAttribute("data-state"));
    }

    [Fact]
    public void A_viewer_who_may_not_act_gets_no_buttons()
    {
        var op = Operations.Add(AwaitingApproval());
        Operations.MayAct = false;

        var cut = RenderAs<OperationDetailPage>(Person("u-vera", "vera", OpsConsole.Core.Access.ConsoleRoles.Viewer), p => p.Add(x => x.Id, op.Id));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=operation-approval]")), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=operation-approve]"));
        Assert.Empty(cut.FindAll("[data-testid=operation-cancel]"));
    }

    [Fact]
    public async Task Cancel_shows_only_where_the_kind_can_stop_and_asks_the_runner_to_stop()
    {
        var op = Operations.Add(FakeOperationService.View("Back up sampleshop (manual)", OperationState.Running, 1));
        var cut = RenderAs<OperationDetailPage>(Bob, p => p.Add(x => x.Id, op.Id));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=operation-progress]")), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=operation-cancel]")); // a kind that cannot stop safely mid-run

        Operations.CancellableWhileRunning = true;
        PublishChanged(op);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("button[data-testid=operation-cancel]")), Timeout);
        var dialogs = Render<MudDialogProvider>();
        await cut.InvokeAsync(() => cut.Find("button[data-testid=operation-cancel]").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("Cancel “Back up sampleshop (manual)”?", dialogs.Find("[data-testid=confirm-title]").TextContent), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Contains("bob asked it to stop", cut.Find("[data-testid=operation-cancel-requested]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Equal([("cancel", op.Id, "bob")], Operations.Actions);
        Assert.Empty(cut.FindAll("[data-testid=operation-cancel]"));
    }

    [Fact]
    public void An_unknown_id_says_there_is_no_such_operation()
    {
        var id = Guid.NewGuid();

        var cut = RenderAs<OperationDetailPage>(Alice, p => p.Add(x => x.Id, id));

        cut.WaitForAssertion(() => Assert.Contains($"There is no operation {id}.", cut.Find("[data-testid=operation-not-found]").TextContent, StringComparison.Ordinal), Timeout);
    }

    [Fact]
    public void Copy_log_puts_every_line_with_its_time_and_level_on_the_clipboard()
    {
        var op = Operations.Add(FakeOperationService.View("Back up sampleshop (nightly)", OperationState.Succeeded, 1));
        Operations.Log(op.Id, "connecting");
        Operations.Log(op.Id, "slow disk", OperationLogLevel.Warning);
        var copy = JSInterop.Setup<bool>("opsConsole.copyText", _ => true).SetResult(true);
        var cut = RenderAs<OperationDetailPage>(Alice, p => p.Add(x => x.Id, op.Id));
        cut.WaitForAssertion(() => Assert.Equal(2, Seqs(cut).Count), Timeout);

        cut.Find("[data-testid=operation-copy-log]").Click();

        cut.WaitForAssertion(() => Assert.Single(copy.Invocations), Timeout);
        Assert.Equal(
            "1\t2026-05-01 10:00:00.125 UTC\tINFO\tconnecting\n2\t2026-05-01 10:00:01.125 UTC\tWARN\tslow disk\n",
            Assert.Single(copy.Invocations).Arguments[0]);
    }

    private static OperationView AwaitingApproval() =>
        FakeOperationService.View("Restore billing", OperationState.AwaitingApproval, 4, target: "database:billing", kind: "restore") with
        {
            NeedsApproval = true,
            ApprovalExpiresAt = DateTimeOffset.UtcNow.AddHours(2),
        };

    private static List<string> Seqs(IRenderedComponent<OperationDetailPage> cut) =>
        [.. cut.FindAll("[data-testid=operation-log-line]").Select(e => e.GetAttribute("data-seq") ?? "")];
}
