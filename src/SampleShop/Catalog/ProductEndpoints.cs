using Npgsql;
using SampleShop.Hosting;
using SampleShop.Simulation;

namespace SampleShop.Catalog;

public sealed record Product(int Id, string Sku, string Name, string Category, decimal Price, int Stock);

public static class ProductEndpoints
{
    public static IEndpointRouteBuilder MapProducts(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/api/products", ListAsync).RequireRateLimiting(ShopHosting.ApiRateLimitPolicy);
        return endpoints;
    }

    /// <summary>The catalog, optionally one category, ordered by id.</summary>
    internal static async Task<IResult> ListAsync(string? category, NpgsqlDataSource db, FaultInjector faults, CancellationToken cancellationToken)
    {
        await faults.SimulateDownstreamAsync(cancellationToken);
        await using var command = db.CreateCommand(
            "SELECT id, sku, name, category, price, stock FROM shop.products WHERE @category IS NULL OR category = @category ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<string?>("category", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = category });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var products = new List<Product>();
        while (await reader.ReadAsync(cancellationToken))
        {
            products.Add(new Product(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDecimal(4), reader.GetInt32(5)));
        }

        return TypedResults.Ok(products);
    }
}
