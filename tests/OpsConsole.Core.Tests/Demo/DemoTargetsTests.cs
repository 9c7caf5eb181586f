using Microsoft.Extensions.Configuration;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Metrics.Scraping;

namespace OpsConsole.Core.Tests.Demo;

public sealed class DemoTargetsTests
{
    private static readonly Uri ShopMetrics = new("http://127.0.0.1:5081/metrics");

    private static MetricsOptions Bind(Dictionary<string, string?> configured)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(configured);
        configuration.AddInMemoryCollection(DemoTargets.Entries(configuration, ShopMetrics));
        return configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
    }

    [Fact]
    public void With_no_targets_configured_sampleshop_becomes_the_first()
    {
        var target = Assert.Single(Bind([]).Targets);

        Assert.Equal("sampleshop", target.Name);
        Assert.Equal("http://127.0.0.1:5081/metrics", target.Url);
        Assert.Equal("demo", target.Labels["env"]);
    }

    [Fact]
    public void It_is_appended_after_the_configured_targets_even_when_their_indexes_have_gaps()
    {
        var options = Bind(new()
        {
            ["Metrics:Targets:0:Name"] = "node",
            ["Metrics:Targets:0:Url"] = "http://127.0.0.1:9100/metrics",
            ["Metrics:Targets:4:Name"] = "postgres",
            ["Metrics:Targets:4:Url"] = "http://127.0.0.1:9187/metrics",
        });

        Assert.Equal(["node", "postgres", "sampleshop"], options.Targets.Select(t => t.Name));
    }

    [Fact]
    public void A_configured_sampleshop_target_is_kept_as_it_is()
    {
        var options = Bind(new()
        {
            ["Metrics:Targets:0:Name"] = "sampleshop",
            ["Metrics:Targets:0:Url"] = "http://shop.internal:9000/metrics",
        });

        var target = Assert.Single(options.Targets);
        Assert.Equal("http://shop.internal:9000/metrics", target.Url);
        Assert.Empty(target.Labels);
    }
}
