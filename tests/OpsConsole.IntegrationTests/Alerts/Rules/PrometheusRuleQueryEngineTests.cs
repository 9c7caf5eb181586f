using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Tests.Alerts.Rules;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Metrics;

namespace OpsConsole.IntegrationTests.Alerts.Rules;

/// <summary>
/// Alerts:Engine=Prometheus in the real host against a real Prometheus (which scrapes itself as job prometheus-self):
/// rules load (checked by Prometheus), evaluate on their loop, report to the alert sink, and Prometheus's own parse
/// errors come back with file, rule and position.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PrometheusRuleQueryEngineTests(PostgresFixture postgres, PrometheusFixture prometheus)
    : ConsoleTest(postgres), IClassFixture<PrometheusFixture>
{
    private readonly DirectoryInfo _rules = Directory.CreateTempSubdirectory("opsconsole-rules-");
    private readonly RecordingSink _sink = new();

    private string RuleFile => Path.Combine(_rules.FullName, "prometheus.rules.yml");

    private AlertRuleManager Manager => Console.Services.GetRequiredService<AlertRuleManager>();

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        await File.WriteAllTextAsync(RuleFile, $$$"""
            groups:
              - name: self
                interval: 1s
                rules:
                  - alert: PrometheusUp
                    expr: up{job="{{{PrometheusFixture.Job}}}"} == 1
                    labels:
                      severity: info
                    annotations:
                      summary: "{{ $labels.instance }} is up ({{ $value }})"
                  - alert: NeverTrue
                    expr: up{job="{{{PrometheusFixture.Job}}}"} == 0
                    for: 1m
            """);
        return await TestConsole.StartAsync(
            Postgres.SharedConnectionString,
            new Dictionary<string, string?>
            {
                ["Metrics:Prometheus:Url"] = prometheus.Url.ToString(),
                ["Metrics:Prometheus:Timeout"] = "00:00:05",
                ["Alerts:Engine"] = "Prometheus",
                ["Alerts:RuleFiles:0"] = RuleFile,
            },
            services => services.AddSingleton<IAlertSink>(_sink));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _rules.Delete(recursive: true);
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"waited in vain for: {what}");
            await Task.Delay(50, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Rules_evaluated_by_Prometheus_fire_and_are_reported_with_their_templates()
    {
        await WaitFor(() => _sink.Reports.Any(r => r.Alerts.Any(a => a.State == AlertState.Firing)), "a firing alert from Prometheus's answer");

        var alert = _sink.Reports.SelectMany(r => r.Alerts).First(a => a.State == AlertState.Firing);
        Assert.Equal(LabelSet.Of(("alertname", "PrometheusUp"), ("instance", prometheus.Url.Authority), ("job", PrometheusFixture.Job), ("severity", "info")), alert.Labels);
        Assert.Equal($"{prometheus.Url.Authority} is up (1)", alert.Annotations["summary"]);
        Assert.Equal((AlertSource.Rule, 1.0), (alert.Source, alert.Value));
        Assert.Equal($"{RuleFile} / self / PrometheusUp", alert.Origin);
        var status = Manager.Status;
        Assert.Equal($"Prometheus at http://127.0.0.1:{prometheus.Url.Port}", status.Engine);
        Assert.Null(status.LoadError);
        await WaitFor(() => Manager.Status.Groups[0].Rules.All(r => r.Health == RuleHealth.Ok), "both rules healthy");
        Assert.Empty(Manager.Status.Groups[0].Rules[1].Alerts);
        Assert.Contains(_sink.Reports, r => r.RuleKey == $"{RuleFile} / self / 1" && r.Alerts.Count == 0);

        // The host's own sink, the alert store, recorded it too: the rule's alert is on the Alerts page's data.
        var store = Console.Services.GetRequiredService<AlertStore>();
        await WaitFor(() => store.Current.Firing.Any(a => a.Source == AlertSource.Rule && a.Fingerprint == alert.Fingerprint), "the alert in the alert store");
        var stored = store.Current.Firing.Single(a => a.Fingerprint == alert.Fingerprint);
        Assert.Equal((alert.Labels, alert.Origin, alert.GeneratorUrl), (stored.Labels, stored.Origin, stored.GeneratorUrl));
    }

    [Fact]
    public async Task A_Prometheus_parse_error_at_reload_names_the_file_rule_and_position_and_keeps_the_running_rules()
    {
        await WaitFor(() => Manager.Status.RuleCount == 2, "the first load");
        await File.WriteAllTextAsync(RuleFile, """
            groups:
              - name: self
                rules:
                  - alert: Broken
                    expr: sum(up{job="x"}))
            """);

        var result = await Manager.ReloadAsync("test", CancellationToken.None);

        var error = Assert.Single(result.Errors);
        Assert.Equal((RuleFile, "self", "Broken", 5), (error.File, error.Group, error.Rule, error.Line));
        Assert.True(error.Message.StartsWith("expr: Prometheus: parse error: unexpected right parenthesis ')' (expression line 1, column 18)", StringComparison.Ordinal), error.Message);
        Assert.Equal(15 + 18 - 1, error.Column); // the expression starts at column 15 of the file; the stray ) is its 18th character
        Assert.Equal(["PrometheusUp", "NeverTrue"], Manager.Status.Groups[0].Rules.Select(r => r.Name));
    }

    [Fact]
    public async Task The_rule_tester_asks_Prometheus_now_and_shows_its_errors_with_the_position()
    {
        var tester = Console.Services.GetRequiredService<RuleTester>();

        var up = await tester.TestAsync($"up{{job=\"{PrometheusFixture.Job}\"}}", CancellationToken.None);
        var bad = await tester.TestAsync("rate(up[5m]", CancellationToken.None);

        Assert.True(up.Succeeded, up.Error);
        Assert.Equal(1, Assert.Single(up.Samples).Value);
        Assert.False(bad.Succeeded);
        Assert.StartsWith("Prometheus: parse error:", bad.Error, StringComparison.Ordinal);
        Assert.Equal(1, bad.Line);
        Assert.NotNull(bad.Column);
    }
}
