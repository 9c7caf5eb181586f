using OpsConsole.Core.Alerts;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Tests.Shared;

public sealed class ServiceAlertsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static long _ids;

    [Fact]
    public void An_alert_belongs_to_the_service_its_job_or_service_label_names()
    {
        var marks = ServiceAlerts.ByService(
        [
            Alert("HighErrorRatio", "critical", ("job", "sampleshop")),
            Alert("CheckoutSlow", "warning", ("service", "checkout")),
            Alert("Both", "info", ("job", "sampleshop"), ("service", "payments")),
            Alert("Same", "info", ("job", "catalog"), ("service", "catalog")),
            Alert("Neither", "critical", ("instance", "db:5432")),
        ]);

        Assert.Equal(["catalog", "checkout", "payments", "sampleshop"], marks.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["HighErrorRatio", "Both"], marks["sampleshop"].Alerts.Select(a => a.Name));
        Assert.Equal(["Both"], marks["payments"].Alerts.Select(a => a.Name));
        Assert.Equal(1, marks["catalog"].Count); // once, though both labels name it
        Assert.False(marks.ContainsKey("SampleShop")); // target names are case-sensitive
    }

    [Fact]
    public void Only_notifying_alerts_mark_a_tile()
    {
        var silence = Guid.NewGuid();
        var marks = ServiceAlerts.ByService(
        [
            Alert("Silenced", "critical", ("job", "shop")) with { SilencedBy = [silence] },
            Alert("Inhibited", "critical", ("job", "shop")) with { InhibitedBy = 7 },
            Alert("Pending", "critical", ("job", "shop")) with { State = AlertState.Pending, FiredAt = null },
            Alert("Resolved", "critical", ("job", "shop")) with { State = AlertState.Resolved, ResolvedAt = Now },
            Alert("Firing", "warning", ("job", "shop")),
        ]);

        var mark = Assert.Single(marks.Values);
        Assert.Equal(1, mark.Count);
        Assert.Equal("Firing", mark.First.Name);
        Assert.Equal("warning", mark.WorstSeverity);
    }

    [Fact]
    public void The_worst_severity_comes_first_then_the_longest_firing()
    {
        var mark = ServiceAlerts.ByService(
        [
            Alert("NewWarning", "warning", ("job", "shop")) with { FiredAt = Now.AddMinutes(-1) },
            Alert("OldInfo", "info", ("job", "shop")) with { FiredAt = Now.AddHours(-5) },
            Alert("NewCritical", "critical", ("job", "shop")) with { FiredAt = Now.AddMinutes(-2) },
            Alert("OldCritical", "critical", ("job", "shop")) with { FiredAt = Now.AddMinutes(-30) },
            Alert("Unlabelled", "", ("job", "shop")),
        ])["shop"];

        Assert.Equal(["OldCritical", "NewCritical", "NewWarning", "OldInfo", "Unlabelled"], mark.Alerts.Select(a => a.Name));
        Assert.Equal("critical", mark.WorstSeverity);
    }

    [Fact]
    public void An_alert_links_to_the_scrape_target_its_job_or_else_its_service_label_names()
    {
        IReadOnlySet<string> targets = new HashSet<string>(["sampleshop", "checkout"], StringComparer.Ordinal);

        Assert.Equal("sampleshop", ServiceAlerts.ServiceOf(Alert("A", "critical", ("job", "sampleshop"), ("service", "checkout")), targets));
        Assert.Equal("checkout", ServiceAlerts.ServiceOf(Alert("B", "critical", ("job", "node"), ("service", "checkout")), targets));
        Assert.Null(ServiceAlerts.ServiceOf(Alert("C", "critical", ("job", "node"), ("service", "payments")), targets)); // not scraped: no page
        Assert.Null(ServiceAlerts.ServiceOf(Alert("D", "critical", ("job", "SampleShop")), targets)); // target names are case-sensitive
        Assert.Null(ServiceAlerts.ServiceOf(Alert("E", "critical", ("job", "sampleshop")), null));
    }

    [Theory]
    [InlineData("critical", "critical")]
    [InlineData("CRITICAL", "critical")]
    [InlineData("page", "critical")]
    [InlineData("error", "critical")]
    [InlineData("warning", "warning")]
    [InlineData("info", "info")]
    [InlineData("none", "none")]
    [InlineData("p3", "none")]
    [InlineData(null, "none")]
    public void Severity_words_get_the_colour_of_their_rank(string? severity, string css) =>
        Assert.Equal(css, ServiceAlerts.SeverityClass(severity));

    private static AlertView Alert(string name, string severity, params (string Name, string Value)[] labels) => new(
        Interlocked.Increment(ref _ids),
        AlertSource.Rule,
        LabelSet.Of([("alertname", name), ("severity", severity), .. labels]),
        new Dictionary<string, string>(),
        AlertState.Firing,
        Now.AddMinutes(-10),
        Now.AddMinutes(-5),
        null,
        null,
        1,
        null,
        "test",
        null,
        null,
        [],
        null,
        Now);
}
