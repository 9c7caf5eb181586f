using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class SilencesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static SilenceRequest Request(params SilenceMatcher[] matchers) =>
        new(matchers, null, null, TimeSpan.FromHours(2), "deploying the shop");

    [Fact]
    public void A_valid_request_starts_now_and_ends_after_its_duration()
    {
        var (matchers, startsAt, endsAt, comment) = SilenceValidation.Validate(Request(new SilenceMatcher("alertname", "=", "HighLatency")), Now);

        Assert.Single(matchers);
        Assert.Equal(Now, startsAt);
        Assert.Equal(Now.AddHours(2), endsAt);
        Assert.Equal("deploying the shop", comment);
    }

    [Fact]
    public void A_start_in_the_past_becomes_now_and_a_start_in_the_future_is_kept()
    {
        var past = SilenceValidation.Validate(Request(new SilenceMatcher("job", "=", "shop")) with { StartsAt = Now.AddHours(-1) }, Now);
        var future = SilenceValidation.Validate(Request(new SilenceMatcher("job", "=", "shop")) with { StartsAt = Now.AddHours(1) }, Now);

        Assert.Equal(Now, past.StartsAt);
        Assert.Equal(Now.AddHours(1), future.StartsAt);
        Assert.Equal(Now.AddHours(3), future.EndsAt);
    }

    [Theory]
    [InlineData("job", "=~", ".*")]
    [InlineData("job", "=", "")]
    [InlineData("job", "!=", "shop")]
    [InlineData("job", "!~", "shop|api")]
    public void A_silence_whose_every_matcher_matches_the_empty_string_is_refused(string name, string op, string value)
    {
        var ex = Assert.Throws<AlertRequestException>(() => SilenceValidation.Validate(Request(new SilenceMatcher(name, op, value)), Now));

        Assert.Equal(AlertProblem.Invalid, ex.Problem);
        Assert.Equal("matchers", ex.Field);
    }

    [Fact]
    public void One_matcher_that_does_not_match_the_empty_string_is_enough()
    {
        var (matchers, _, _, _) = SilenceValidation.Validate(Request(new SilenceMatcher("job", "=~", ".*"), new SilenceMatcher("alertname", "=", "TargetDown")), Now);

        Assert.Equal(2, matchers.Count);
    }

    [Fact]
    public void Invalid_requests_name_the_field()
    {
        Assert.Equal("matchers", Field(Request()));
        Assert.Equal("matchers[1].value", Field(Request(new SilenceMatcher("alertname", "=", "X"), new SilenceMatcher("job", "=~", "(shop"))));
        Assert.Equal("matchers[0].name", Field(Request(new SilenceMatcher("bad-name", "=", "X"))));
        Assert.Equal("matchers[0].op", Field(Request(new SilenceMatcher("job", "~", "X"))));
        Assert.Equal("comment", Field(Request(new SilenceMatcher("job", "=", "shop")) with { Comment = "   " }));
        Assert.Equal("endsAt", Field(new SilenceRequest([new("job", "=", "shop")], Now.AddHours(2), Now.AddHours(1), null, "x")));
        Assert.Equal("endsAt", Field(new SilenceRequest([new("job", "=", "shop")], null, Now.AddMinutes(-5), null, "x")));
        Assert.Equal("endsAt", Field(new SilenceRequest([new("job", "=", "shop")], null, null, null, "x")));
        Assert.Equal("duration", Field(Request(new SilenceMatcher("job", "=", "shop")) with { Duration = TimeSpan.FromMinutes(-1) }));
        Assert.Equal("duration", Field(new SilenceRequest([new("job", "=", "shop")], null, Now.AddHours(1), TimeSpan.FromHours(1), "x")));

        static string Field(SilenceRequest request) =>
            Assert.Throws<AlertRequestException>(() => SilenceValidation.Validate(request, Now)).Field;
    }

    [Theory]
    [InlineData("90m", 90 * 60)]
    [InlineData("2h30m", 150 * 60)]
    [InlineData("1d", 86_400)]
    [InlineData("1w", 604_800)]
    [InlineData("45s", 45)]
    [InlineData("02:00:00", 7200)]
    public void Durations_are_read_as_Prometheus_or_dotnet_writes_them(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SilenceValidation.ParseDuration(text, "duration"));

    [Theory]
    [InlineData("two hours")]
    [InlineData("")]
    [InlineData("5x")]
    public void A_bad_duration_names_its_field(string text) =>
        Assert.Equal("duration", Assert.Throws<AlertRequestException>(() => SilenceValidation.ParseDuration(text, "duration")).Field);

    [Fact]
    public void A_silence_matches_alerts_with_anchored_regular_expressions_and_knows_its_state()
    {
        var silence = new Silence(Guid.NewGuid(), [new("job", "=~", "shop"), new("severity", "!=", "critical")],
            Now, Now.AddHours(1), "x", "sre", Now, false, null, Now);

        Assert.True(silence.Matches(LabelSet.Of(("alertname", "A"), ("job", "shop"), ("severity", "warning"))));
        Assert.True(silence.Matches(LabelSet.Of(("alertname", "A"), ("job", "shop"))));
        Assert.False(silence.Matches(LabelSet.Of(("alertname", "A"), ("job", "sampleshop"))));
        Assert.False(silence.Matches(LabelSet.Of(("alertname", "A"), ("job", "shop"), ("severity", "critical"))));
        Assert.Equal(SilenceState.Pending, silence.StateAt(Now.AddSeconds(-1)));
        Assert.Equal(SilenceState.Active, silence.StateAt(Now));
        Assert.Equal(SilenceState.Expired, silence.StateAt(Now.AddHours(1)));
    }

    [Fact]
    public void Extending_needs_a_later_end_and_a_duration_counts_from_the_current_end()
    {
        var silence = new Silence(Guid.NewGuid(), [new("job", "=", "shop")], Now.AddHours(-1), Now.AddHours(1), "x", "sre", Now, false, null, Now);

        Assert.Equal(Now.AddHours(3), SilenceValidation.ValidateExtension(silence, null, TimeSpan.FromHours(2), Now));
        Assert.Equal(Now.AddHours(5), SilenceValidation.ValidateExtension(silence, Now.AddHours(5), null, Now));
        Assert.Equal("endsAt", Assert.Throws<AlertRequestException>(() => SilenceValidation.ValidateExtension(silence, Now.AddMinutes(-1), null, Now)).Field);
        Assert.Equal("endsAt", Assert.Throws<AlertRequestException>(() => SilenceValidation.ValidateExtension(silence, null, null, Now)).Field);
    }
}
