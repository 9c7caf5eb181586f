using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Metrics.Scraping;

namespace OpsConsole.Core.Demo;

public static class DemoHostingExtensions
{
    /// <summary>
    /// With <c>Demo:Enabled</c>: SampleShop supervised beside the console and registered as the scrape target
    /// <c>sampleshop</c>, with its default alert rules appended to <c>Alerts:RuleFiles</c>, and (embedded) SampleShop's and the console's databases managed. Call before the metrics and
    /// alert options are first read (the target and the rule file are added to configuration).
    /// </summary>
    /// <param name="clusterAdminConnectionString">The embedded cluster's superuser (creates SampleShop's role and database); null with an external database.</param>
    public static IHostApplicationBuilder AddDemoPlatform(this IHostApplicationBuilder builder, string dataDirectory, string? clusterAdminConnectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var demo = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        if (!demo.Enabled)
        {
            return builder;
        }

        var plan = DemoPlan.Create(demo, builder.Environment.ContentRootPath, dataDirectory, clusterAdminConnectionString);
        if (plan.Runs && !demo.Validate(new(demo)).Any()) // an invalid Demo:Urls fails the start through ValidateOnStart instead
        {
            builder.Configuration.AddInMemoryCollection(DemoTargets.Entries(builder.Configuration, demo.MetricsUrl()));
            builder.Configuration.AddInMemoryCollection(DemoRules.Entries(builder.Configuration, DemoRules.DefaultFile(builder.Environment.ContentRootPath)));
            builder.Configuration.AddInMemoryCollection(DemoKeys.Entries(builder.Configuration));
            if (clusterAdminConnectionString is not null)
            {
                builder.Configuration.AddInMemoryCollection(DemoDatabases.Entries(builder.Configuration, clusterAdminConnectionString, DemoMigrations.FolderBeside(plan.ShopAssembly)));
            }
        }

        builder.Services.AddSingleton(plan);
        builder.Services.AddSingleton<ISampleShopEnvironment, DemoSessions>();
        builder.Services.AddSingleton<SampleShopSupervisor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SampleShopSupervisor>());
        builder.Services.AddSingleton<IFirstScrapeGate, SampleShopStartGate>();
        builder.Services.AddSingleton<IBackupTargetGate, SampleShopBackupGate>();
        builder.Services.AddSingleton<DemoMigrations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DemoMigrations>());
        return builder;
    }
}
