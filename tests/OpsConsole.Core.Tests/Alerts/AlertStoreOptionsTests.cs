using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class AlertStoreOptionsTests
{
    [Fact]
    public void The_shipped_appsettings_bind_to_valid_options_with_target_down_inhibiting_latency_and_errors()
    {
        var root = Directory.GetParent(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Console.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(root.FullName, "appsettings.json")).Build();
        var options = configuration.GetSection(AlertStoreOptions.Section).Get<AlertStoreOptions>() ?? new AlertStoreOptions();

        Assert.True(new AlertStoreOptionsValidator().Validate(null, options).Succeeded);
        var rule = Assert.Single(options.InhibitRules());
        Assert.Equal(["job"], rule.Equal);
        Assert.True(Inhibition.Inhibits(rule,
            LabelSet.Of(("alertname", "TargetDown"), ("job", "sampleshop")),
            LabelSet.Of(("alertname", "HighLatencyP95"), ("job", "sampleshop"))));
        Assert.Equal(TimeSpan.FromDays(30), options.HistoryRetention);
        Assert.Equal(TimeSpan.FromHours(24), options.RecentlyExpiredSilences);
    }

    [Theory]
    [InlineData("Alerts:Inhibit:0:SourceMatchers:0", "alertname=~\"(broken\"", "Alerts:Inhibit:0:SourceMatchers:0:")]
    [InlineData("Alerts:Inhibit:0:TargetMatchers:0", "severity", "Alerts:Inhibit:0:TargetMatchers:0:")]
    [InlineData("Alerts:Receivers:0:Url", "ftp://hooks", "Alerts:Receivers:0:Url must be an absolute http(s) URL")]
    [InlineData("Alerts:Receivers:0:Matchers:0", "team~x", "Alerts:Receivers:0:Matchers:0:")]
    [InlineData("Alerts:Receivers:0:Name", "", "Alerts:Receivers:0:Name is required.")]
    [InlineData("Alerts:Alertmanager:BearerTokens:prod", "short", "Alerts:Alertmanager:BearerTokens:prod must be at least 16 characters.")]
    [InlineData("Alerts:HistoryRetention", "00:10:00", "Alerts:HistoryRetention must be at least 01:00:00")]
    [InlineData("Alerts:Notify:MaxAttempts", "0", "Alerts:Notify:MaxAttempts must be between 1 and 20")]
    [InlineData("Alerts:ExternalUrl", "console", "Alerts:ExternalUrl must be an absolute http(s) URL")]
    public async Task A_bad_setting_stops_the_host_at_start_naming_the_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Alerts:Inhibit:0:SourceMatchers:0"] = "alertname=\"TargetDown\"",
            ["Alerts:Inhibit:0:TargetMatchers:0"] = "alertname=~\".*Latency.*\"",
            ["Alerts:Inhibit:0:Equal:0"] = "job",
            ["Alerts:Receivers:0:Name"] = "hooks",
            ["Alerts:Receivers:0:Url"] = "http://127.0.0.1:9/hook",
            [key] = value,
        };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddOptions<AlertStoreOptions>().BindConfiguration(AlertStoreOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AlertStoreOptions>, AlertStoreOptionsValidator>();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Receivers_parse_their_route_grouping_and_ellipsis()
    {
        var options = new AlertStoreOptions
        {
            Receivers =
            [
                new ReceiverOptions { Name = "a", Url = "http://x/hook", Matchers = ["severity=\"critical\""], GroupBy = ["alertname", "job"] },
                new ReceiverOptions { Name = "b", Url = "http://x/hook", GroupBy = ["..."], SendResolved = false },
            ],
        };

        var receivers = options.ParsedReceivers();

        Assert.Equal(["alertname", "job"], receivers[0].GroupBy!);
        Assert.Null(receivers[1].GroupBy);
        Assert.False(receivers[1].SendResolved);
        var labels = LabelSet.Of(("alertname", "X"), ("job", "shop"), ("instance", "a:1"), ("severity", "critical"));
        Assert.Equal(LabelSet.Of(("alertname", "X"), ("job", "shop")), NotificationQueue.GroupLabels(receivers[0], labels));
        Assert.Equal(labels, NotificationQueue.GroupLabels(receivers[1], labels));
        Assert.Equal("{}/{severity=\"critical\"}:{alertname=\"X\", job=\"shop\"}", NotificationQueue.GroupKey(receivers[0], NotificationQueue.GroupLabels(receivers[0], labels)));
        Assert.Equal(["a", "b"], NotificationQueue.RoutesFor(receivers, labels).Select(r => r.Name));
        Assert.Equal(["b"], NotificationQueue.RoutesFor(receivers, LabelSet.Of(("alertname", "Y"))).Select(r => r.Name));
    }

    [Fact]
    public void Common_labels_are_those_every_alert_has_with_one_value()
    {
        var common = AlertNotifier.Common([
            new Dictionary<string, string> { ["alertname"] = "X", ["job"] = "shop", ["instance"] = "a" },
            new Dictionary<string, string> { ["alertname"] = "X", ["job"] = "shop", ["instance"] = "b" },
            new Dictionary<string, string> { ["alertname"] = "X", ["job"] = "shop" },
        ]);

        Assert.Equal(new Dictionary<string, string> { ["alertname"] = "X", ["job"] = "shop" }, common);
    }
}
