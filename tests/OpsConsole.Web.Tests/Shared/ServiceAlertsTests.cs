using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Tests.Shared;

public sealed class ServiceAlertsTests
{
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
}
