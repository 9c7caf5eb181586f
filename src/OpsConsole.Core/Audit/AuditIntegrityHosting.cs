using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OpsConsole.Core.Audit;

public static class AuditIntegrityHosting
{
    /// <summary>Signed checkpoints, the verifier, the leader-elected scheduler, the pseudonymizer (Alerts turns a broken result into an alert).</summary>
    public static IHostApplicationBuilder AddAuditIntegrity(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AuditIntegrityOptions>()
            .BindConfiguration(AuditIntegrityOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AuditSigningKeyStore>();
        builder.Services.AddSingleton<AuditVerifier>();
        builder.Services.AddSingleton<AuditPseudonymizer>();
        builder.Services.AddScoped<AuditCheckpointService>();
        builder.Services.AddScoped<AuditIntegrityService>();
        builder.Services.AddScoped<IAuditIntegrity>(sp => sp.GetRequiredService<AuditIntegrityService>());
        builder.Services.AddSingleton<AuditIntegrityScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditIntegrityScheduler>());
        return builder;
    }
}
