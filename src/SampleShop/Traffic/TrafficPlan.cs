using System.Globalization;
using SampleShop.Orders;

namespace SampleShop.Traffic;

/// <summary>One request the generator sends.</summary>
public sealed record TrafficRequest(HttpMethod Method, string Path, PlaceOrderRequest? Body = null);

/// <summary>
/// What a shop's day looks like, one request at a time: mostly catalog reads, profile views (a few of unknown
/// customers: 404), orders (a few invalid: 400). Ids match Sql/002_seed.sql.
/// </summary>
public static class TrafficPlan
{
    public const int SeededProducts = 24;
    public const int SeededCustomers = 40;

    private static readonly string[] Categories = ["kitchen", "pantry", "accessories", "stationery", "home"];

    public static TrafficRequest Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var roll = random.NextDouble();
        return roll switch
        {
            < 0.35 => new TrafficRequest(HttpMethod.Get, "/api/products"),
            < 0.45 => new TrafficRequest(HttpMethod.Get, "/api/products?category=" + Categories[random.Next(Categories.Length)]),
            // Ids up to 10% past the seeded ones: a realistic trickle of 404s.
            < 0.65 => new TrafficRequest(HttpMethod.Get, "/api/customers/" + random.Next(1, SeededCustomers + (SeededCustomers / 10) + 1).ToString(CultureInfo.InvariantCulture)),
            < 0.95 => new TrafficRequest(HttpMethod.Post, "/api/orders", ValidOrder(random)),
            _ => new TrafficRequest(HttpMethod.Post, "/api/orders", InvalidOrder(random)),
        };
    }

    private static PlaceOrderRequest ValidOrder(Random random)
    {
        var products = Enumerable.Range(1, SeededProducts).OrderBy(_ => random.Next()).Take(random.Next(1, 4));
        return new PlaceOrderRequest(random.Next(1, SeededCustomers + 1), [.. products.Select(p => new OrderItem(p, random.Next(1, 4)))]);
    }

    private static PlaceOrderRequest InvalidOrder(Random random) => random.Next(3) switch
    {
        0 => new PlaceOrderRequest(random.Next(1, SeededCustomers + 1), []),
        1 => new PlaceOrderRequest(random.Next(1, SeededCustomers + 1), [new OrderItem(random.Next(1, SeededProducts + 1), 0)]),
        _ => new PlaceOrderRequest(null, [new OrderItem(random.Next(1, SeededProducts + 1), 1)]),
    };
}
