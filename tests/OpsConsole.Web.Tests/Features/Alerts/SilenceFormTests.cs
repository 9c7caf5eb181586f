using AngleSharp.Dom;
using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class SilenceFormTests(AlertsHost host) : AlertsComponentTest(host)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Alice = AlertsHost.User("alice", ConsoleRoles.OnCall);
    private readonly List<SilenceView> _created = [];

    [Fact]
    public async Task Each_field_shows_its_own_message_next_to_it()
    {
        var cut = RenderForm(Alice, SilenceDraft.Blank());
        await cut.InvokeAsync(() => Field(cut, "matcher-name").Change("instance"));
        await cut.InvokeAsync(() => OpButton(cut, 0, "=~").Click());
        await cut.InvokeAsync(() => Field(cut, "matcher-value").Change("db-("));
        await cut.InvokeAsync(() => Field(cut, "silence-start").Change("2099-01-01 12:00"));
        await cut.InvokeAsync(() => cut.FindAll("[data-testid=silence-end-mode] button").Single(b => b.TextContent.Trim() == "End time").Click());
        await cut.InvokeAsync(() => Field(cut, "silence-end").Change("2099-01-01 11:00"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=silence-create]").Click());

        cut.WaitForAssertion(() => Assert.Contains("regular expression", MessageBeside(cut, "matcher-value"), StringComparison.Ordinal), Timeout);
        Assert.Contains("The end must be after the start", MessageBeside(cut, "silence-end"), StringComparison.Ordinal);
        Assert.Contains("needs a comment", MessageBeside(cut, "silence-comment"), StringComparison.Ordinal);
        Assert.Equal("", MessageBeside(cut, "silence-start"));
        Assert.Equal("Complete the matchers to see which alerts they select.", cut.Find("[data-testid=silence-preview]").TextContent);
        Assert.Empty(_created);

        // Fixing a field clears its message as you type; the others stay until fixed.
        await cut.InvokeAsync(() => Field(cut, "silence-comment").Change("disk swap"));
        cut.WaitForAssertion(() => Assert.Equal("", MessageBeside(cut, "silence-comment")), Timeout);
        Assert.Contains("regular expression", MessageBeside(cut, "matcher-value"), StringComparison.Ordinal);

        await cut.InvokeAsync(() => Field(cut, "silence-start").Change("next tuesday"));
        cut.WaitForAssertion(() => Assert.Contains("yyyy-MM-dd HH:mm", MessageBeside(cut, "silence-start"), StringComparison.Ordinal), Timeout);
    }

    [Fact]
    public async Task Matchers_that_would_silence_everything_and_a_bad_duration_are_refused_with_their_reason()
    {
        var cut = RenderForm(Alice, SilenceDraft.Blank());
        await cut.InvokeAsync(() => Field(cut, "matcher-name").Change("job"));
        await cut.InvokeAsync(() => OpButton(cut, 0, "=~").Click());
        await cut.InvokeAsync(() => Field(cut, "matcher-value").Change(".*"));
        await cut.InvokeAsync(() => Field(cut, "silence-duration").Change("a while"));
        await cut.InvokeAsync(() => Field(cut, "silence-comment").Change("testing"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=silence-create]").Click());

        cut.WaitForAssertion(() => Assert.Contains("must not match the empty string", cut.Find("[data-testid=error-matchers]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Contains("is not a duration", MessageBeside(cut, "silence-duration"), StringComparison.Ordinal);
        Assert.Empty(_created);
    }

    [Fact]
    public async Task Prefilled_from_an_alert_it_previews_the_match_and_creates_the_silence_for_everyone()
    {
        await Host.FireAsync(
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-1")),
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-2")));
        await Host.WaitForStoreAsync(s => s.Alerts.Count == 2, "two alerts");
        var alert = Host.Store.Current.Alerts.Single(a => a.Labels["instance"] == "db-1");
        var cut = RenderForm(Alice, SilenceDraft.FromLabels(alert.Labels));

        Assert.Equal("Matches 1 current alert.", cut.Find("[data-testid=silence-preview]").TextContent);
        Assert.Equal(["alertname", "instance", "severity"], cut.FindAll("[data-testid=matcher-name]").Select(e => FieldIn(e, "name").GetAttribute("value")));
        // Widening the instance matcher to a regex takes in the second alert.
        await cut.InvokeAsync(() => OpButton(cut, 1, "=~").Click());
        await cut.InvokeAsync(() => FieldIn(cut.FindAll("[data-testid=matcher-value]")[1], "value").Change("db-.*"));
        cut.WaitForAssertion(() => Assert.Equal("Matches 2 current alerts.", cut.Find("[data-testid=silence-preview]").TextContent), Timeout);
        await cut.InvokeAsync(() => Field(cut, "silence-comment").Change("disk swap on both"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=silence-create]").Click());

        cut.WaitForAssertion(() => Assert.Single(_created), Timeout);
        Assert.Equal(("alice", "disk swap on both", 2), (_created[0].Silence.CreatedBy, _created[0].Silence.Comment, _created[0].MatchedAlerts));
        Assert.Equal(TimeSpan.FromHours(2), _created[0].Silence.EndsAt - _created[0].Silence.StartsAt);
        await Host.WaitForStoreAsync(s => s.Alerts.All(a => a.IsSilenced), "both alerts silenced");
    }

    [Fact]
    public async Task A_refusal_by_the_service_is_shown_in_the_form()
    {
        var viewer = AlertsHost.User("vic", ConsoleRoles.Viewer);
        var draft = SilenceDraft.FromLabels(LabelSet.Of(("alertname", "DiskFull")));
        draft.Comment = "a viewer may not";
        var cut = RenderForm(viewer, draft);

        await cut.InvokeAsync(() => cut.Find("[data-testid=silence-create]").Click());

        cut.WaitForAssertion(() => Assert.Equal("Your roles do not allow you to create silences.", cut.Find("[data-testid=silence-form-message]").TextContent.Trim()), Timeout);
        Assert.Empty(_created);
        Assert.Empty(Host.Store.Current.Silences);
    }

    private IRenderedComponent<SilenceForm> RenderForm(System.Security.Claims.ClaimsPrincipal user, SilenceDraft initial) =>
        Render<SilenceForm>(p => p
            .Add(f => f.Caller, user)
            .Add(f => f.Initial, initial)
            .Add(f => f.OnCreated, EventCallback.Factory.Create<SilenceView>(this, _created.Add)));

    private static IElement OpButton(IRenderedComponent<SilenceForm> cut, int row, string op) =>
        cut.FindAll("[data-testid=matcher-op]")[row].QuerySelectorAll("button").Single(b => b.TextContent.Trim() == op);

    /// <summary>The error text MudBlazor shows under the field (empty when there is none).</summary>
    private static string MessageBeside(IRenderedComponent<SilenceForm> cut, string testId)
    {
        var control = Field(cut, testId).Closest(".mud-input-control") ?? throw new InvalidOperationException($"{testId} is not in an input control");
        return control.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";
    }
}
