using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Wall;

namespace OpsConsole.Core.Tests.Wall;

public sealed class WallOptionsTests
{
    [Fact]
    public void Without_configuration_the_wall_plays_services_alerts_clock_every_30_seconds()
    {
        var options = Bind([]);

        Assert.Equal(TimeSpan.FromSeconds(30), options.RotateEvery);
        Assert.Equal(12, options.MaxTilesPerPage);
        Assert.Equal(
            [(WallPageKind.Services, "Services"), (WallPageKind.Alerts, "Alerts"), (WallPageKind.Clock, "Clock"), (WallPageKind.Status, "Status")],
            options.Playlist().Select(p => (p.Kind, p.Title)));
    }

    [Fact]
    public void The_alert_sound_is_off_unless_configured()
    {
        Assert.False(Bind([]).AlertSound);
        Assert.True(Bind(new() { ["Wall:AlertSound"] = "true" }).AlertSound);
    }

    [Fact]
    public void A_configured_playlist_replaces_the_default_with_its_titles_and_services()
    {
        var options = Bind(new()
        {
            ["Wall:RotateEvery"] = "00:00:45",
            ["Wall:Pages:0:Kind"] = "services",
            ["Wall:Pages:0:Title"] = "Shop",
            ["Wall:Pages:0:Services:0"] = "checkout",
            ["Wall:Pages:0:Services:1"] = "payments",
            ["Wall:Pages:1:Kind"] = "Clock",
        });

        Assert.Equal(TimeSpan.FromSeconds(45), options.RotateEvery);
        var playlist = options.Playlist();
        Assert.Equal(2, playlist.Count);
        Assert.Equal((WallPageKind.Services, "Shop"), (playlist[0].Kind, playlist[0].Title));
        Assert.Equal(["checkout", "payments"], playlist[0].Services);
        Assert.Equal((WallPageKind.Clock, "Clock"), (playlist[1].Kind, playlist[1].Title));
    }

    [Theory]
    [InlineData("Wall:RotateEvery", "00:00:02", "Wall:RotateEvery must be between 00:00:05 and 01:00:00 (got 00:00:02).")]
    [InlineData("Wall:RotateEvery", "02:00:00", "Wall:RotateEvery must be between 00:00:05 and 01:00:00 (got 02:00:00).")]
    [InlineData("Wall:MaxTilesPerPage", "0", "Wall:MaxTilesPerPage must be between 1 and 64 (got 0).")]
    [InlineData("Wall:Pages:1:Kind", "Weather", "Wall:Pages:1:Kind must be one of Services, Alerts, Clock, Status (got \"Weather\").")]
    [InlineData("Wall:Pages:1:Kind", "1", "Wall:Pages:1:Kind must be one of Services, Alerts, Clock, Status (got \"1\").")]
    [InlineData("Wall:Pages:1:Services:0", "checkout", "Wall:Pages:1:Services applies only to pages of Kind Services.")]
    public async Task A_bad_setting_stops_the_host_at_start_naming_the_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Wall:Pages:0:Kind"] = "Services",
            ["Wall:Pages:1:Kind"] = "Alerts",
            [key] = value,
        };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddConsoleWall();
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    private static WallOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOptions<WallOptions>().BindConfiguration(WallOptions.Section).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<WallOptions>>().Value;
    }
}
