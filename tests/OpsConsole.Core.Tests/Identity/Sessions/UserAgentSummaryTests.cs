using OpsConsole.Core.Identity.Sessions;

namespace OpsConsole.Core.Tests.Identity.Sessions;

public sealed class UserAgentSummaryTests
{
    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Linux")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iOS")]
    [InlineData("curl/8.5.0", "curl")]
    [InlineData("SomethingElse/1.0", "Unknown browser")]
    [InlineData("", "Unknown browser")]
    [InlineData(null, "Unknown browser")]
    public void Names_the_browser_and_system(string? userAgent, string expected) =>
        Assert.Equal(expected, UserAgentSummary.Describe(userAgent));
}
