using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace SampleShop.Data;

public static class ShopDataHosting
{
    /// <summary>The shop's database from <c>ConnectionStrings:Shop</c>, its migrator and a readiness check.</summary>
    public static IHostApplicationBuilder AddShopDatabase(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString("Shop");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Shop is required (the shop's PostgreSQL database).");
        }

        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "sampleshop" }.Build());
        builder.Services.AddSingleton<ShopMigrator>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}

internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException ex)
        {
            return HealthCheckResult.Unhealthy("database unreachable", ex);
        }
    }
}
