using System.ComponentModel.DataAnnotations;
using OpsConsole.Core.Demo;

namespace OpsConsole.Core.Tests.Demo;

public sealed class DemoOptionsTests
{
    [Fact]
    public void The_demo_is_off_unless_asked_for() => Assert.False(new DemoOptions().Enabled);

    [Theory]
    [InlineData("http://127.0.0.1:5081", "http://127.0.0.1:5081/metrics")]
    [InlineData("http://localhost:6000/ ; http://127.0.0.1:6001", "http://localhost:6000/metrics")]
    [InlineData("http://0.0.0.0:5081", "http://127.0.0.1:5081/metrics")]
    [InlineData("http://[::]:5081", "http://[::1]:5081/metrics")]
    [InlineData("http://*:5081", "http://127.0.0.1:5081/metrics")]
    [InlineData("http://+:5081", "http://127.0.0.1:5081/metrics")]
    public void The_scrape_url_is_the_first_listening_url_on_a_connectable_host(string urls, string expected) =>
        Assert.Equal(new Uri(expected), new DemoOptions { Urls = urls }.MetricsUrl());

    [Theory]
    [InlineData("")]
    [InlineData("5081")]
    [InlineData("ftp://127.0.0.1:5081")]
    public void A_url_that_is_not_absolute_http_fails_validation_naming_the_key(string urls)
    {
        var options = new DemoOptions { Urls = urls };

        var error = Assert.Single(options.Validate(new ValidationContext(options)));

        Assert.StartsWith("Demo:Urls must start with an absolute http(s) URL", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_assembly_path_is_resolved_against_the_content_root()
    {
        var root = Path.Combine(Path.GetTempPath(), "console-root");

        Assert.Equal(Path.Combine(root, "shop", "SampleShop.dll"), new DemoOptions { Assembly = "shop/SampleShop.dll" }.ResolveAssembly(root));
        Assert.Equal("/opt/shop/SampleShop.dll", new DemoOptions { Assembly = "/opt/shop/SampleShop.dll" }.ResolveAssembly(root));
    }

    [Fact]
    public void Without_a_configured_path_the_repository_build_output_is_used()
    {
        var root = Path.Combine(Path.GetTempPath(), "no-such-console-root");

        var path = new DemoOptions().ResolveAssembly(root);

        Assert.StartsWith(Path.Combine(root, "src", "SampleShop", "bin"), path, StringComparison.Ordinal);
        Assert.EndsWith(Path.Combine("net10.0", "SampleShop.dll"), path, StringComparison.Ordinal);
    }
}
