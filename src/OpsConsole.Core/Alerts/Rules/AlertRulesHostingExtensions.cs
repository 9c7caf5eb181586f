using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.RemotePrometheus;

namespace OpsConsole.Core.Alerts.Rules;

public static class AlertRulesHostingExtensions
{
    /// <summary>
    /// <c>Alerts:RuleFiles</c>, <c>Alerts:EvaluationInterval</c>, <c>Alerts:Engine</c> (validated at start), the rule
    /// manager (hosted: loads, watches, evaluates), the rule tester, and the Prometheus engine when
    /// <c>Alerts:Engine=Prometheus</c>. With the Console engine, the console's PromQL engine is whatever is registered as
    /// <see cref="IRuleQueryEngine"/>. Alerts go to every registered <see cref="IAlertSink"/>.
    /// </summary>
    public static IHostApplicationBuilder AddAlertRules(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AlertRulesOptions>().BindConfiguration(AlertRulesOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AlertRulesOptions>, AlertRulesOptionsValidator>();
        builder.Services.AddOptions<PrometheusOptions>().BindConfiguration(PrometheusOptions.Section);
        builder.Services.AddConsoleAlertBoard();
        builder.Services.AddLiveEvents();
        builder.Services.TryAddSingleton(TimeProvider.System);
        if (builder.Services.Any(d => d.ServiceType == typeof(Metrics.Store.MetricStore)))
        {
            builder.AddConsoleRuleEngine(); // over the metric store AddConsoleMetrics registered before; without it the rules say so
        }

        builder.Services.TryAddSingleton(sp => new PrometheusRuleQueryEngine(sp.GetRequiredService<PrometheusBackend>()));
        builder.Services.TryAddSingleton<RuleEngineSelection>(sp => new RuleEngineSelection(sp.GetRequiredService<IOptions<AlertRulesOptions>>(), sp));
        builder.Services.TryAddSingleton<RuleTester>();
        builder.Services.TryAddSingleton<AlertRuleManager>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertRuleManager>());
        return builder;
    }

    /// <summary>
    /// The console's PromQL engine over the metric store (needs <c>AddConsoleMetrics</c>' store). Registered as itself and,
    /// unless something registered one before, as the <see cref="IRuleQueryEngine"/>. It lives with the rules, not with
    /// Metrics: Alerts depends on Metrics, never the other way round.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleRuleEngine(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ConsoleRuleQueryEngine>();
        builder.Services.TryAddSingleton<IRuleQueryEngine>(sp => sp.GetRequiredService<ConsoleRuleQueryEngine>());
        return builder;
    }
}
