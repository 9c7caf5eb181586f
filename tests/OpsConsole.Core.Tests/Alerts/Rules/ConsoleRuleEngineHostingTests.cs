using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Metrics.Scraping;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class ConsoleRuleEngineHostingTests
{
    [Fact]
    public async Task The_rule_engine_registration_brings_the_console_engine_over_the_metric_store()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddConsoleMetrics();
        builder.AddConsoleRuleEngine();
        using var host = builder.Build();

        var engine = host.Services.GetRequiredService<IRuleQueryEngine>();

        Assert.Same(host.Services.GetRequiredService<ConsoleRuleQueryEngine>(), engine);
        Assert.Equal("console", engine.Description);
        Assert.Empty(await engine.EvaluateAsync("up == 0", DateTimeOffset.UtcNow, CancellationToken.None));
    }

    [Fact]
    public void An_engine_registered_before_is_kept()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IRuleQueryEngine, OtherEngine>();
        builder.Services.AddSingleton(new OpsConsole.Core.Metrics.Store.MetricStore(new()));
        builder.AddConsoleRuleEngine();
        using var host = builder.Build();

        Assert.IsType<OtherEngine>(host.Services.GetRequiredService<IRuleQueryEngine>());
        Assert.NotNull(host.Services.GetRequiredService<ConsoleRuleQueryEngine>());
    }

    private sealed class OtherEngine : IRuleQueryEngine
    {
        public string Description => "other";

        public void Validate(string expression)
        {
        }

        public Task<IReadOnlyList<RuleSample>> EvaluateAsync(string expression, DateTimeOffset at, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RuleSample>>([]);
    }
}
