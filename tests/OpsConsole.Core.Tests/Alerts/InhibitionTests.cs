using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class InhibitionTests
{
    private static readonly InhibitRule TargetDownMutesLatency = new(
        [AlertMatchers.Parse("alertname=\"TargetDown\"")],
        [AlertMatchers.Parse("alertname=~\".*(Latency|Error).*\"")],
        ["job"]);

    private static InhibitionCandidate<string> Alert(string key, bool firing, params (string, string)[] labels) =>
        new(key, LabelSet.Of(labels), firing);

    [Fact]
    public void A_firing_target_down_mutes_the_latency_and_error_alerts_of_the_same_job_only()
    {
        var alerts = new[]
        {
            Alert("down", true, ("alertname", "TargetDown"), ("job", "shop")),
            Alert("latency", true, ("alertname", "HighLatencyP95"), ("job", "shop")),
            Alert("errors", true, ("alertname", "HighErrorRatio"), ("job", "shop")),
            Alert("other-job", true, ("alertname", "HighLatencyP95"), ("job", "api")),
            Alert("not-a-target", true, ("alertname", "DiskFull"), ("job", "shop")),
        };

        var inhibited = Inhibition.Compute(alerts, [TargetDownMutesLatency]);

        Assert.Equal(["errors", "latency"], inhibited.Keys.Order());
        Assert.All(inhibited.Values, by => Assert.Equal("down", by));
    }

    [Fact]
    public void A_pending_source_does_not_inhibit()
    {
        var alerts = new[]
        {
            Alert("down", false, ("alertname", "TargetDown"), ("job", "shop")),
            Alert("latency", true, ("alertname", "HighLatencyP95"), ("job", "shop")),
        };

        Assert.Empty(Inhibition.Compute(alerts, [TargetDownMutesLatency]));
    }

    [Fact]
    public void Equal_labels_missing_on_both_sides_count_as_equal_and_missing_on_one_side_do_not()
    {
        var alerts = new[]
        {
            Alert("down", true, ("alertname", "TargetDown")),
            Alert("no-job", true, ("alertname", "HighLatencyP95")),
            Alert("with-job", true, ("alertname", "HighLatencyP95"), ("job", "shop")),
        };

        var inhibited = Inhibition.Compute(alerts, [TargetDownMutesLatency]);

        Assert.Equal(["no-job"], inhibited.Keys);
    }

    [Fact]
    public void An_alert_matching_both_sides_neither_inhibits_itself_nor_its_peers_but_a_pure_source_inhibits_it()
    {
        // Alertmanager's "severity=critical mutes severity=~warning|critical" style: source and target overlap.
        var rule = new InhibitRule([AlertMatchers.Parse("severity=\"critical\"")], [AlertMatchers.Parse("severity=~\"warning|critical\"")], ["cluster"]);
        var alone = new[]
        {
            Alert("crit-a", true, ("alertname", "A"), ("severity", "critical"), ("cluster", "x")),
            Alert("crit-b", true, ("alertname", "B"), ("severity", "critical"), ("cluster", "x")),
            Alert("warn", true, ("alertname", "C"), ("severity", "warning"), ("cluster", "x")),
        };

        var inhibited = Inhibition.Compute(alone, [rule]);

        Assert.Equal(["warn"], inhibited.Keys);

        var pureSource = new InhibitRule([AlertMatchers.Parse("alertname=\"ClusterDown\"")], [AlertMatchers.Parse("severity=~\".+\"")], ["cluster"]);
        var withSource = alone.Append(Alert("cluster-down", true, ("alertname", "ClusterDown"), ("cluster", "x"))).ToArray();
        Assert.Equal(["crit-a", "crit-b", "warn"], Inhibition.Compute(withSource, [pureSource]).Keys.Order());
    }

    [Fact]
    public void Inhibits_answers_for_one_pair_with_the_same_rules()
    {
        var down = LabelSet.Of(("alertname", "TargetDown"), ("job", "shop"));

        Assert.True(Inhibition.Inhibits(TargetDownMutesLatency, down, LabelSet.Of(("alertname", "HighLatencyP95"), ("job", "shop"))));
        Assert.False(Inhibition.Inhibits(TargetDownMutesLatency, down, LabelSet.Of(("alertname", "HighLatencyP95"), ("job", "api"))));
        Assert.False(Inhibition.Inhibits(TargetDownMutesLatency, down, down));
    }
}
