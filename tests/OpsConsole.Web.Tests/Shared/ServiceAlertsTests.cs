using OpsConsole.Core.Alerts;
using OpsConsole.Web.Shared;
using OpsConsole.Web.Tests.Features.Alerts;

namespace OpsConsole.Web.Tests.Shared;

public sealed class ServiceAlertsTests
{
    private static long _ids;

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

    private static AlertView Alert(string name, string severity, params (string Name, string Value)[] labels) =>
        AlertListingTests.View(Interlocked.Increment(ref _ids), name, severity, 5, labels);
}
