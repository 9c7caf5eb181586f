using System.Globalization;
using SampleShop.Orders;

namespace SampleShop.Traffic;

/// <summary>What a request does with customer sessions: nothing, sign a customer in, or call as a signed-in customer.</summary>
public enum SessionStep
{
    None,
    SignIn,
    AsCustomer,
}

/// <summary>One request the generator sends.</summary>
public sealed record TrafficRequest(HttpMethod Method, string Path, PlaceOrderRequest? Body = null, SessionStep Session = SessionStep.None, int? CustomerId = null);

/// <summary>
/// What a shop's day looks like, one request at a time: mostly catalog reads, profile views (a few of unknown
/// customers: 404), orders (a few invalid: 400). Ids match Sql/002_seed.sql.
/// </summary>
public static class TrafficPlan
{
    public const int SeededProducts = 24;
    public const int SeededCustomers = 40;

    private static readonly string[] Categories = ["kitchen", "pantry", "accessories", "stationery", "home"];

    /// <param name="sessions">Whether the shop has console-signed sessions: then one request in ten signs in or calls /api/me.</param>
    public static TrafficRequest Next(Random random, bool sessions = false)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (sessions && random.NextDouble() < 0.1)
        {
            // Sign-ins are rarer than calls: a session is reused until it expires, across key rotations.
            var customer = random.Next(1, SeededCustomers + 1);
            return random.NextDouble() < 0.3
                ? new TrafficRequest(HttpMethod.Post, "/api/sessions", Session: SessionStep.SignIn, CustomerId: customer)
                : new TrafficRequest(HttpMethod.Get, "/api/me", Session: SessionStep.AsCustomer, CustomerId: customer);
        }

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
