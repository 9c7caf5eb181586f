using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Tests.Shared;

public sealed class ExploreLinkTests
{
    [Fact]
    public void The_expression_is_url_encoded_and_an_unknown_range_falls_back_to_the_default()
    {
        Assert.Equal("explore?q=sum%20by%20%28code%29%20%28rate%28x%7Bjob%3D%22a%26b%22%7D%5B5m%5D%29%29&range=6h", ExploreLink.For("sum by (code) (rate(x{job=\"a&b\"}[5m]))", "6h"));
        Assert.Equal("explore?q=up&range=1h", ExploreLink.For("up", "2w"));
    }

    [Theory]
    [InlineData(0, "15m")]
    [InlineData(9, "15m")]
    [InlineData(11, "1h")]
    [InlineData(40, "1h")]
    [InlineData(41, "6h")]
    [InlineData(60 * 24 * 30, "7d")]
    public void An_alerts_range_shows_its_start_with_time_before_it(int minutesAgo, string range)
    {
        Assert.Equal(range, ExploreLink.Covering(TimeSpan.FromMinutes(minutesAgo)));
    }
}
