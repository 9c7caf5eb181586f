using SampleShop.Traffic;

namespace SampleShop.Tests.Traffic;

public sealed class TrafficPlanTests
{
    private static List<TrafficRequest> Draw(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => TrafficPlan.Next(random))];
    }

    [Fact]
    public void The_mix_has_catalog_reads_profiles_valid_and_invalid_orders()
    {
        var requests = Draw(2000, seed: 7);

        var products = requests.Count(r => r.Path.StartsWith("/api/products", StringComparison.Ordinal));
        var profiles = requests.Count(r => r.Path.StartsWith("/api/customers/", StringComparison.Ordinal));
        var orders = requests.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.InRange(products, 800, 1000);
        Assert.InRange(profiles, 300, 500);
        Assert.All(orders, o => Assert.Equal("/api/orders", o.Path));
        var invalid = orders.Count(o => o.Body!.Validate().Count > 0);
        Assert.InRange(invalid, 50, 150);
        Assert.InRange(orders.Count - invalid, 500, 700);
    }

    [Fact]
    public void Valid_orders_use_seeded_ids_and_some_profiles_ask_for_unknown_customers()
    {
        var requests = Draw(2000, seed: 11);

        var valid = requests.Where(r => r.Body is { } body && body.Validate().Count == 0).Select(r => r.Body!).ToList();
        Assert.All(valid, o => Assert.InRange(o.CustomerId!.Value, 1, TrafficPlan.SeededCustomers));
        Assert.All(valid.SelectMany(o => o.Items!), i => Assert.InRange(i.ProductId!.Value, 1, TrafficPlan.SeededProducts));
        var customerIds = requests.Where(r => r.Path.StartsWith("/api/customers/", StringComparison.Ordinal))
            .Select(r => int.Parse(r.Path["/api/customers/".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(customerIds, id => id > TrafficPlan.SeededCustomers);
        Assert.All(customerIds, id => Assert.InRange(id, 1, TrafficPlan.SeededCustomers + (TrafficPlan.SeededCustomers / 10)));
    }
}

public sealed class TrafficPlanSessionTests
{
    [Fact]
    public void With_sessions_about_one_request_in_ten_signs_in_or_calls_as_a_seeded_customer_and_without_none_does()
    {
        var random = new Random(5);
        var requests = Enumerable.Range(0, 2000).Select(_ => TrafficPlan.Next(random, sessions: true)).ToList();

        var session = requests.Where(r => r.Session != SessionStep.None).ToList();
        Assert.InRange(session.Count, 150, 250);
        Assert.All(session, r => Assert.InRange(r.CustomerId!.Value, 1, TrafficPlan.SeededCustomers));
        Assert.All(session.Where(r => r.Session == SessionStep.SignIn), r => Assert.Equal((HttpMethod.Post, "/api/sessions"), (r.Method, r.Path)));
        Assert.All(session.Where(r => r.Session == SessionStep.AsCustomer), r => Assert.Equal((HttpMethod.Get, "/api/me"), (r.Method, r.Path)));
        Assert.True(session.Count(r => r.Session == SessionStep.AsCustomer) > session.Count(r => r.Session == SessionStep.SignIn));

        var plain = new Random(5);
        Assert.All(Enumerable.Range(0, 500).Select(_ => TrafficPlan.Next(plain)), r => Assert.Equal(SessionStep.None, r.Session));
    }
}
