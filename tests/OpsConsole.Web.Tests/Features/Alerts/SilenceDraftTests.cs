using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class SilenceDraftTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void From_an_alert_every_label_becomes_an_equality_matcher()
    {
        var draft = SilenceDraft.FromLabels(LabelSet.Of(("alertname", "DiskFull"), ("instance", "db-1"), ("severity", "warning")));

        Assert.Equal(
            [("alertname", "=", "DiskFull"), ("instance", "=", "db-1"), ("severity", "=", "warning")],
            draft.Matchers.Select(m => (m.Name, m.Op, m.Value)));
        Assert.True(draft.UseDuration);
        Assert.Equal("2h", draft.Duration);
        Assert.Empty(draft.Comment);
    }

    [Fact]
    public void A_complete_draft_passes_and_becomes_the_request()
    {
        var draft = Valid();
        draft.StartsAt = "2026-11-23 13:00";

        Assert.Empty(draft.Check(Now));
        var request = draft.ToRequest();
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.Zero), request.StartsAt);
        Assert.Equal(TimeSpan.FromMinutes(90), request.Duration);
        Assert.Null(request.EndsAt);
        Assert.Equal("disk swap tonight", request.Comment);
        Assert.True(request.Maintenance);
    }

    [Fact]
    public void Every_field_gets_its_own_message_at_once()
    {
        var draft = Valid();
        draft.Matchers.Add(new SilenceMatcherRow { Name = "instance", Op = "=~", Value = "db-(" });
        draft.Comment = "  ";
        draft.UseDuration = false;
        draft.StartsAt = "2026-11-23 14:00";
        draft.EndsAt = "2026-11-23 13:00";

        var errors = draft.Check(Now);

        Assert.Equal(["comment", "endsAt", "matchers[1].value"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("regular expression", errors["matchers[1].value"], StringComparison.Ordinal);
        Assert.Contains("comment", errors["comment"], StringComparison.Ordinal);
        Assert.Contains("after the start", errors["endsAt"], StringComparison.Ordinal);
    }

    [Fact]
    public void Names_a_bad_label_name_matchers_that_match_everything_an_unreadable_time_and_a_bad_duration()
    {
        var draft = Valid();
        draft.Matchers[0].Name = "2bad";
        Assert.Equal("matchers[0].name", Assert.Single(draft.Check(Now)).Key);

        draft = Valid();
        draft.Matchers[0] = new SilenceMatcherRow { Name = "job", Op = "=~", Value = ".*" };
        Assert.Contains("empty string", Assert.Single(draft.Check(Now), e => e.Key == "matchers").Value, StringComparison.Ordinal);

        draft = Valid();
        draft.StartsAt = "tomorrow at noon";
        Assert.Contains("yyyy-MM-dd HH:mm", Assert.Single(draft.Check(Now), e => e.Key == "startsAt").Value, StringComparison.Ordinal);

        draft = Valid();
        draft.Duration = "two hours";
        Assert.Equal("duration", Assert.Single(draft.Check(Now)).Key);

        draft = Valid();
        draft.UseDuration = false;
        draft.EndsAt = "";
        Assert.Equal("endsAt", Assert.Single(draft.Check(Now)).Key);
    }

    [Fact]
    public void Counts_the_current_alerts_the_matchers_select_or_none_while_a_matcher_is_invalid()
    {
        var alerts = new[]
        {
            AlertListingTests.View(1, "DiskFull", "warning", 5, ("instance", "db-1")),
            AlertListingTests.View(2, "DiskFull", "warning", 5, ("instance", "db-2")),
            AlertListingTests.View(3, "DiskFull", "warning", 5, ("instance", "db-3")) with { State = AlertState.Resolved },
            AlertListingTests.View(4, "Other", "warning", 5, ("instance", "db-1")),
        };
        var draft = SilenceDraft.Blank();
        draft.Matchers[0] = new SilenceMatcherRow { Name = "alertname", Op = "=", Value = "DiskFull" };

        Assert.Equal(2, draft.CountMatching(alerts));
        draft.Matchers.Add(new SilenceMatcherRow { Name = "instance", Op = "!~", Value = "db-[12]" });
        Assert.Equal(0, draft.CountMatching(alerts));
        draft.Matchers[1].Value = "db-(";
        Assert.Null(draft.CountMatching(alerts));
    }

    private static SilenceDraft Valid()
    {
        var draft = SilenceDraft.FromLabels(LabelSet.Of(("alertname", "DiskFull")));
        draft.Duration = "90m";
        draft.Comment = "disk swap tonight";
        draft.Maintenance = true;
        return draft;
    }
}
