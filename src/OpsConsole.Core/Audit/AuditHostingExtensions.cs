using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

public static class AuditHostingExtensions
{
    /// <summary>The audit log: the fail-closed trail, the single chain writer, the outage spool and <see cref="AuditedActions"/>.</summary>
    public static IHostApplicationBuilder AddConsoleAudit(this IHostApplicationBuilder builder, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<AuditContext>();
        builder.Services.AddSingleton(sp => new AuditSpool(
            dataDirectory,
            builder.Configuration.GetValue("Audit:SpoolMaxEntries", 100_000),
            sp.GetRequiredService<ILogger<AuditSpool>>()));
        builder.Services.AddSingleton<AuditChainWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditChainWriter>());
        builder.Services.AddSingleton<AuditSpoolReplayer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditSpoolReplayer>());
        builder.Services.TryAddScoped<IAuditTrail, DatabaseAuditTrail>();
        builder.Services.AddLiveEvents(); // actions publish after commit; also in the admin CLI, which registers little else
        builder.Services.AddScoped<AuditedActions>();
        builder.Services.AddSingleton<AuditLiveEvents>();
        builder.AddAuditIntegrity();
        return builder;
    }
}
