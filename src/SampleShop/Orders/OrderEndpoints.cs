using Npgsql;
using SampleShop.Hosting;
using SampleShop.Simulation;

namespace SampleShop.Orders;

public sealed record OrderLine(int ProductId, int Quantity, decimal UnitPrice);

public sealed record Order(long Id, int CustomerId, DateTimeOffset PlacedAt, string Status, decimal Total, IReadOnlyList<OrderLine> Lines);

public static class OrderEndpoints
{
    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/api/orders", PlaceAsync).RequireRateLimiting(ShopHosting.ApiRateLimitPolicy);
        endpoints.MapGet("/api/orders/{id:long}", GetAsync).RequireRateLimiting(ShopHosting.ApiRateLimitPolicy);
        return endpoints;
    }

    /// <summary>
    /// Validates the request (400 naming the field), checks that the customer and products exist (400), charges the
    /// simulated payment provider (502 when it fails) and stores the order at the catalog's current prices (201).
    /// </summary>
    internal static async Task<IResult> PlaceAsync(PlaceOrderRequest request, NpgsqlDataSource db, FaultInjector faults, CancellationToken cancellationToken)
    {
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await faults.SimulateDownstreamAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var items = request.Items!;
        var prices = await PricesAsync(connection, [.. items.Select(i => i.ProductId!.Value)], cancellationToken);
        var missing = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!await CustomerExistsAsync(connection, request.CustomerId!.Value, cancellationToken))
        {
            missing["customerId"] = [$"There is no customer {request.CustomerId}."];
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (!prices.ContainsKey(items[i].ProductId!.Value))
            {
                missing[$"items[{i}].productId"] = [$"There is no product {items[i].ProductId}."];
            }
        }

        if (missing.Count > 0)
        {
            return TypedResults.ValidationProblem(missing);
        }

        if (faults.PaymentFails())
        {
            ShopMetrics.OrderFailures.WithLabels("payment").Inc();
            return TypedResults.Problem(
                statusCode: StatusCodes.Status502BadGateway,
                title: "Payment failed",
                detail: "The payment provider did not answer; the order was not placed. Try again.");
        }

        var lines = items.Select(i => new OrderLine(i.ProductId!.Value, i.Quantity!.Value, prices[i.ProductId!.Value])).ToList();
        var total = lines.Sum(l => l.UnitPrice * l.Quantity);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO shop.orders (customer_id, total) VALUES (@customer, @total) RETURNING id, placed_at, status", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<int>("customer", request.CustomerId!.Value));
        insert.Parameters.Add(new NpgsqlParameter<decimal>("total", total));
        long id;
        DateTimeOffset placedAt;
        string status;
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (id, placedAt, status) = (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
        }

        await using var insertLines = new NpgsqlCommand(
            """
            INSERT INTO shop.order_lines (order_id, line, product_id, quantity, unit_price)
            SELECT @order, l.ordinality, l.product_id, l.quantity, l.unit_price
            FROM unnest(@products, @quantities, @prices) WITH ORDINALITY AS l (product_id, quantity, unit_price, ordinality)
            """,
            connection,
            transaction);
        insertLines.Parameters.Add(new NpgsqlParameter<long>("order", id));
        insertLines.Parameters.Add(new NpgsqlParameter<int[]>("products", [.. lines.Select(l => l.ProductId)]));
        insertLines.Parameters.Add(new NpgsqlParameter<int[]>("quantities", [.. lines.Select(l => l.Quantity)]));
        insertLines.Parameters.Add(new NpgsqlParameter<decimal[]>("prices", [.. lines.Select(l => l.UnitPrice)]));
        await insertLines.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        ShopMetrics.OrdersPlaced.Inc();
        return TypedResults.Created($"/api/orders/{id}", new Order(id, request.CustomerId!.Value, placedAt, status, total, lines));
    }

    internal static async Task<IResult> GetAsync(long id, NpgsqlDataSource db, FaultInjector faults, CancellationToken cancellationToken)
    {
        await faults.SimulateDownstreamAsync(cancellationToken);
        await using var command = db.CreateCommand(
            """
            SELECT o.customer_id, o.placed_at, o.status, o.total, l.product_id, l.quantity, l.unit_price
            FROM shop.orders o JOIN shop.order_lines l ON l.order_id = o.id
            WHERE o.id = @id ORDER BY l.line
            """);
        command.Parameters.Add(new NpgsqlParameter<long>("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        Order? order = null;
        var lines = new List<OrderLine>();
        while (await reader.ReadAsync(cancellationToken))
        {
            order ??= new Order(id, reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetDecimal(3), lines);
            lines.Add(new OrderLine(reader.GetInt32(4), reader.GetInt32(5), reader.GetDecimal(6)));
        }

        return order is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: $"There is no order {id}.")
            : TypedResults.Ok(order);
    }

    private static async Task<Dictionary<int, decimal>> PricesAsync(NpgsqlConnection connection, int[] productIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, price FROM shop.products WHERE id = ANY(@ids)", connection);
        command.Parameters.Add(new NpgsqlParameter<int[]>("ids", productIds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var prices = new Dictionary<int, decimal>();
        while (await reader.ReadAsync(cancellationToken))
        {
            prices[reader.GetInt32(0)] = reader.GetDecimal(1);
        }

        return prices;
    }

    private static async Task<bool> CustomerExistsAsync(NpgsqlConnection connection, int customerId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM shop.customers WHERE id = @id", connection);
        command.Parameters.Add(new NpgsqlParameter<int>("id", customerId));
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }
}
