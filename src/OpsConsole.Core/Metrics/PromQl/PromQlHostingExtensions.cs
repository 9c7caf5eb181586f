using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Metrics.PromQl;

public static class PromQlHostingExtensions
{
    /// <summary>
    /// The console's PromQL engine over the metric store (needs <c>AddConsoleMetrics</c>' store). Registered as itself and,
    /// unless something registered one before, as the <see cref="IRuleQueryEngine"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPromQl(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ConsoleRuleQueryEngine>();
        builder.Services.TryAddSingleton<IRuleQueryEngine>(sp => sp.GetRequiredService<ConsoleRuleQueryEngine>());
        return builder;
    }
}
