using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace OpsConsole.Core.Audit.Search;

public static class AuditSearchHosting
{
    /// <summary>The read side of the audit log: search, record views, exports under <c>{data}/exports/audit</c>.</summary>
    public static IHostApplicationBuilder AddConsoleAuditSearch(this IHostApplicationBuilder builder, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AuditReadDataSource>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AuditReadAccessLog>();
        builder.Services.AddSingleton(new AuditExportStore(dataDirectory));
        builder.Services.AddScoped<AuditTargetNames>(); // the capabilities that own targets add IAuditTargetNameSource
        builder.Services.AddScoped<AuditSearchService>();
        builder.Services.TryAddScoped<IAuditSearch>(sp => sp.GetRequiredService<AuditSearchService>());
        builder.Services.AddScoped<AuditExportService>();
        return builder;
    }
}
