using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Tests.Features.Operations;

public sealed class OperationTextTests
{
    [Theory]
    [InlineData(40, "40 s")]
    [InlineData(60 * 12 + 5, "12 min")]
    [InlineData(3600 * 3 + 60 * 12, "3 h 12 min")]
    [InlineData(86400 * 2 + 3600 * 5, "2 d 5 h")]
    [InlineData(-5, "0 s")]
    public void Waits_read_in_the_unit_that_matters(int seconds, string expected) =>
        Assert.Equal(expected, OperationText.Span(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void An_expiry_counts_down_and_then_says_expired()
    {
        var op = FakeOperationService.View("Restore billing", OperationState.AwaitingApproval) with { ApprovalExpiresAt = FakeOperationService.T0.AddHours(4) };

        Assert.Equal("expires in 4 h 0 min", OperationText.Expiry(op, FakeOperationService.T0));
        Assert.Equal("expires in 59 min", OperationText.Expiry(op, FakeOperationService.T0.AddHours(3).AddSeconds(30)));
        Assert.Equal("expired", OperationText.Expiry(op, FakeOperationService.T0.AddHours(4)));
        Assert.Equal("", OperationText.Expiry(op with { ApprovalExpiresAt = null }, FakeOperationService.T0));
    }

    [Fact]
    public void The_end_drops_its_date_when_it_falls_on_the_starts_day_in_the_viewers_zone()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var op = FakeOperationService.View("Back up", OperationState.Succeeded) with
        {
            StartedAt = new DateTimeOffset(2026, 5, 1, 21, 50, 0, TimeSpan.Zero),
            EndedAt = new DateTimeOffset(2026, 5, 1, 21, 55, 0, TimeSpan.Zero),
        };

        Assert.Equal("21:55:00", OperationText.Ended(op, TimeZoneInfo.Utc));
        Assert.Equal("2026-05-02 00:55:00", OperationText.Ended(op with { EndedAt = op.EndedAt!.Value.AddHours(3) }, TimeZoneInfo.Utc));
        // 23:50 to 23:55 in Paris: the same day there too.
        Assert.Equal("23:55:00", OperationText.Ended(op, paris));
        Assert.Equal("—", OperationText.Ended(op with { EndedAt = null }, paris));
    }

    [Theory]
    [InlineData(OperationState.Queued, "queued")]
    [InlineData(OperationState.AwaitingApproval, "awaiting approval")]
    [InlineData(OperationState.Running, "running")]
    [InlineData(OperationState.Succeeded, "succeeded")]
    [InlineData(OperationState.Failed, "failed")]
    [InlineData(OperationState.Cancelled, "cancelled")]
    public void States_read_as_words(OperationState state, string word) => Assert.Equal(word, OperationText.Word(state));

    [Fact]
    public void Log_times_are_in_the_viewers_zone_to_the_millisecond() =>
        Assert.Equal("12:00:01.125", OperationText.LogTime(new DateTimeOffset(2026, 5, 1, 10, 0, 1, 125, TimeSpan.Zero), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")));

    [Theory]
    [InlineData("purpose", "Purpose")]
    [InlineData("backup_id", "Backup id")]
    public void Parameters_read_as_labels(string name, string label) => Assert.Equal(label, OperationText.ParameterLabel(name));

    [Fact]
    public void Targets_may_wrap_after_their_colons_and_stay_encoded() =>
        Assert.Equal("database:<wbr>a&lt;b&gt;", OperationText.BreakableTarget("database:a<b>").Value);

    [Fact]
    public void List_links_carry_only_the_filters_given()
    {
        Assert.Equal("/operations", OperationLinks.List());
        Assert.Equal("/operations?target=database%3Asampleshop", OperationLinks.List(target: "database:sampleshop"));
        Assert.Equal("/operations?kind=backup&target=database%3Aa%20b", OperationLinks.List("backup", "database:a b"));
    }
}
