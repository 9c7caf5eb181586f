using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Metrics.RemotePrometheus;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class AlertRulesOptionsTests
{
    private static IReadOnlyList<string> Failures(AlertRulesOptions options, string? prometheusUrl = null) =>
        new AlertRulesOptionsValidator(Options.Create(new PrometheusOptions { Url = prometheusUrl })).Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void The_defaults_are_valid()
    {
        var options = new AlertRulesOptions();

        Assert.Empty(Failures(options));
        Assert.Equal((TimeSpan.FromSeconds(15), "Console", false), (options.EvaluationInterval, options.Engine, options.UsesPrometheus));
    }

    [Fact]
    public void The_Prometheus_engine_without_a_Prometheus_names_both_keys()
    {
        Assert.Equal(
            ["Alerts:Engine is Prometheus, which needs Metrics:Prometheus:Url (the Prometheus server that evaluates the rules); set it, or set Alerts:Engine to Console."],
            Failures(new AlertRulesOptions { Engine = "Prometheus" }));
        Assert.Empty(Failures(new AlertRulesOptions { Engine = "prometheus" }, "http://prometheus:9090"));
    }

    [Fact]
    public void Every_bad_key_is_named()
    {
        var options = new AlertRulesOptions
        {
            Engine = "Thanos",
            EvaluationInterval = TimeSpan.Zero,
            RuleFileCheckInterval = TimeSpan.FromSeconds(-1),
            RuleFiles = ["rules/a.yml", " "],
            ExternalLabels = { ["cluster-name"] = "x" },
        };

        Assert.Equal(
            [
                "Alerts:Engine must be Console or Prometheus (got \"Thanos\").",
                "Alerts:EvaluationInterval must be positive (got 00:00:00).",
                "Alerts:RuleFileCheckInterval must be positive (got -00:00:01).",
                "Alerts:RuleFiles:1 is empty; give a path or a glob such as rules/*.yml.",
                "Alerts:ExternalLabels:cluster-name is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*).",
            ],
            Failures(options));
    }

    [Fact]
    public async Task A_bad_setting_stops_the_host_at_start_with_the_keys_named()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Alerts:Engine"] = "Prometheus" });
        builder.AddAlertRules();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Alerts:Engine is Prometheus, which needs Metrics:Prometheus:Url", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_console_engine_the_host_starts_and_the_rules_say_why_they_cannot_load()
    {
        var directory = Directory.CreateTempSubdirectory("opsconsole-rules-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "a.yml"), "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n");
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = directory.FullName });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Alerts:RuleFiles:0"] = "a.yml" });
            builder.AddAlertRules();
            using var host = builder.Build();
            await host.StartAsync();
            try
            {
                var manager = host.Services.GetRequiredService<AlertRuleManager>();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var board = host.Services.GetRequiredService<ConsoleAlertBoard>();
                while (board.Active.Count == 0)
                {
                    await Task.Delay(20, deadline.Token); // the first load runs in the background service
                }

                var status = manager.Status;
                Assert.Contains("the console's PromQL engine is not registered", status.LoadError, StringComparison.Ordinal);
                Assert.Equal((AlertRuleManager.LoadFailedAlert, ConsoleAlertSeverity.Critical), (board.Active[0].Name, board.Active[0].Severity));
            }
            finally
            {
                await host.StopAsync();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_registered_console_engine_is_the_one_the_Console_setting_uses()
    {
        var builder = Host.CreateApplicationBuilder();
        var engine = new ScriptedEngine();
        builder.Services.AddSingleton<IRuleQueryEngine>(engine);
        builder.AddAlertRules();
        using var host = builder.Build();

        Assert.Same(engine, host.Services.GetRequiredService<RuleEngineSelection>().Engine);
        Assert.Equal("scripted", host.Services.GetRequiredService<AlertRuleManager>().Status.Engine);
    }
}
