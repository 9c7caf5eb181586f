using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// The engine <c>Alerts:Engine</c> picks: the Prometheus engine, or the console's own PromQL engine (whatever is
/// registered as <see cref="IRuleQueryEngine"/>). Resolved on first use, so registration order does not matter.
/// </summary>
public sealed class RuleEngineSelection
{
    private readonly Lazy<IRuleQueryEngine?> _engine;

    public RuleEngineSelection(IOptions<AlertRulesOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        var usesPrometheus = options.Value.UsesPrometheus;
        _engine = new(() => usesPrometheus
            ? services.GetRequiredService<PrometheusRuleQueryEngine>()
            : services.GetService<IRuleQueryEngine>());
        Unavailable = usesPrometheus
            ? null
            : "Alerts:Engine is Console, but the console's PromQL engine is not registered in this build (set Alerts:Engine=Prometheus to use Metrics:Prometheus:Url)";
    }

    /// <summary>For a fixed engine (tests, tools).</summary>
    public RuleEngineSelection(IRuleQueryEngine engine)
    {
        _engine = new(() => engine);
    }

    public IRuleQueryEngine? Engine => _engine.Value;

    /// <summary>Why there is no engine, when <see cref="Engine"/> is null.</summary>
    public string? Unavailable { get; }

    public string Description => Engine?.Description ?? "no engine";
}
