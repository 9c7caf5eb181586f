using Npgsql;
using SampleShop.Hosting;
using SampleShop.Simulation;

namespace SampleShop.Customers;

public sealed record Consent(string Purpose, bool Granted, DateTimeOffset UpdatedAt);

public sealed record OrderSummary(int Count, decimal TotalSpent, DateTimeOffset? LastOrderAt);

public sealed record CustomerProfile(
    int Id, string FullName, string Email, string Country, DateTimeOffset CustomerSince, IReadOnlyList<Consent> Consents, OrderSummary Orders);

public static class CustomerEndpoints
{
    public static IEndpointRouteBuilder MapCustomers(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/api/customers/{id:int}", GetProfileAsync).RequireRateLimiting(ShopHosting.ApiRateLimitPolicy);
        return endpoints;
    }

    /// <summary>A customer's profile with their consents and an order summary; 404 when there is no such customer.</summary>
    internal static async Task<IResult> GetProfileAsync(int id, NpgsqlDataSource db, FaultInjector faults, CancellationToken cancellationToken)
    {
        await faults.SimulateDownstreamAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    SELECT c.full_name, c.email, c.country, c.created_at,
                           count(o.id)::int, coalesce(sum(o.total), 0), max(o.placed_at)
                    FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id
                    WHERE c.id = @id
                    GROUP BY c.id
                    """) { Parameters = { new NpgsqlParameter<int>("id", id) } },
                new NpgsqlBatchCommand("SELECT purpose, granted, updated_at FROM shop.consents WHERE customer_id = @id ORDER BY purpose")
                {
                    Parameters = { new NpgsqlParameter<int>("id", id) },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Customer not found", detail: $"There is no customer {id}.");
        }

        var (name, email, country, since) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
        var orders = new OrderSummary(reader.GetInt32(4), reader.GetDecimal(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
        await reader.NextResultAsync(cancellationToken);
        var consents = new List<Consent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            consents.Add(new Consent(reader.GetString(0), reader.GetBoolean(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return TypedResults.Ok(new CustomerProfile(id, name, email, country.TrimEnd(), since, consents, orders));
    }
}
