using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.SampleShop;

/// <summary>The built SampleShop as a real process on its own database in the test PostgreSQL, over real HTTP.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SampleShopTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Products_orders_and_profiles_work_and_bad_requests_get_problem_details_naming_the_field()
    {
        await using var shop = await SampleShopProcess.StartAsync(await postgres.CreateEmptyDatabaseAsync());
        using var http = shop.CreateClient();

        var products = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/products", UriKind.Relative));
        Assert.Equal(24, products.GetArrayLength());
        Assert.Equal("MUG-001", products[0].GetProperty("sku").GetString());
        var kitchen = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/products?category=kitchen", UriKind.Relative));
        Assert.All(kitchen.EnumerateArray(), p => Assert.Equal("kitchen", p.GetProperty("category").GetString()));

        using var placed = await http.PostAsJsonAsync(new Uri("/api/orders", UriKind.Relative), new { customerId = 7, items = new[] { new { productId = 2, quantity = 2 }, new { productId = 5, quantity = 1 } } });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2 * 18.50m + 69.00m, order.GetProperty("total").GetDecimal());
        var stored = await http.GetFromJsonAsync<JsonElement>(placed.Headers.Location!);
        Assert.Equal(2, stored.GetProperty("lines").GetArrayLength());

        var profile = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/customers/7", UriKind.Relative));
        Assert.EndsWith("@example.com", profile.GetProperty("email").GetString(), StringComparison.Ordinal);
        Assert.Equal(["analytics", "marketing_email", "order_processing"], profile.GetProperty("consents").EnumerateArray().Select(c => c.GetProperty("purpose").GetString()));
        Assert.Equal(1, profile.GetProperty("orders").GetProperty("count").GetInt32());

        using var missing = await http.GetAsync(new Uri("/api/customers/999", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        using var invalid = await http.PostAsJsonAsync(new Uri("/api/orders", UriKind.Relative), new { customerId = 7, items = new[] { new { productId = 2, quantity = 0 } } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("items[0].quantity", out _), errors.ToString());

        using var unknown = await http.PostAsJsonAsync(new Uri("/api/orders", UriKind.Relative), new { customerId = 7, items = new[] { new { productId = 999, quantity = 1 } } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("items[0].productId", out _));
    }

    [Fact]
    public async Task Rate_limited_and_failed_requests_are_counted_by_code_and_scraped_by_the_console()
    {
        await using var shop = await SampleShopProcess.StartAsync(await postgres.CreateEmptyDatabaseAsync(), new Dictionary<string, string>
        {
            // A bucket of five, refilled by one a second: requests in quick succession soon find it empty.
            ["SampleShop:RateLimit:TokenLimit"] = "5",
            ["SampleShop:RateLimit:TokensPerSecond"] = "1",
            ["SampleShop:Faults:PaymentFailureRate"] = "1",
        });
        using var http = shop.CreateClient();

        using var payment = await http.PostAsJsonAsync(new Uri("/api/orders", UriKind.Relative), new { customerId = 1, items = new[] { new { productId = 1, quantity = 1 } } });
        Assert.Equal(HttpStatusCode.BadGateway, payment.StatusCode);
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await http.GetAsync(new Uri("/api/products", UriKind.Relative));
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.All(codes.Take(4), c => Assert.Equal(HttpStatusCode.OK, c)); // the bucket held five; the order took one

        using var scraper = new ScrapeHarness();
        var health = await scraper.ScrapeAsync("sampleshop", shop.MetricsUrl);

        Assert.True(health.Up, health.LastError);
        Assert.Equal(1, Assert.Single(scraper.Latest("sampleshop", "up")).Value);
        var requests = scraper.Latest("sampleshop", "http_requests_received_total");
        Assert.Equal(1, requests.Single(r => r.Series.Label("code") == "429" && r.Series.Label("endpoint") == "/api/products").Value);
        Assert.Equal(1, requests.Single(r => r.Series.Label("code") == "502" && r.Series.Label("endpoint") == "/api/orders").Value);
        Assert.Contains(requests, r => r.Series.Label("code") == "200" && r.Series.Label("method") == "GET");
        Assert.All(requests, r => Assert.Equal("test", r.Series.Label("env")));
        var buckets = scraper.Latest("sampleshop", "http_request_duration_seconds_bucket");
        Assert.Contains(buckets, b => b.Series.Label("le") == "+Inf" && b.Series.Label("code") == "429");
        Assert.True(buckets.Select(b => b.Series.Label("le")).Distinct().Count() > 5, "the latency histogram has buckets");
        Assert.Equal(1, Assert.Single(scraper.Latest("sampleshop", "sampleshop_rate_limited_requests_total")).Value);
        Assert.Equal(1, Assert.Single(scraper.Latest("sampleshop", "sampleshop_order_failures_total")).Value);
        Assert.True(Assert.Single(scraper.Latest("sampleshop", "process_cpu_seconds_total")).Value > 0);
        Assert.NotEmpty(scraper.Latest("sampleshop", "http_requests_in_progress"));
    }

    [Fact]
    public async Task An_error_burst_started_over_the_control_endpoint_fails_api_requests_with_counted_500s_until_it_ends()
    {
        await using var shop = await SampleShopProcess.StartAsync(await postgres.CreateEmptyDatabaseAsync(), new Dictionary<string, string>
        {
            ["SampleShop:Faults:ControlEndpoint"] = "true",
            ["SampleShop:RateLimit:TokenLimit"] = "1000",
        });
        using var http = shop.CreateClient();

        using var invalid = await http.PostAsJsonAsync(new Uri("/admin/faults/error-burst", UriKind.Relative), new { rate = 1.5, duration = "00:00:00" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("rate", out _) && errors.TryGetProperty("duration", out _), errors.ToString());

        using var started = await http.PostAsJsonAsync(new Uri("/admin/faults/error-burst", UriKind.Relative), new { rate = 1.0, duration = "00:05:00" });
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal(1.0, (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("serverErrorRate").GetDouble());
        for (var i = 0; i < 3; i++)
        {
            using var failed = await http.GetAsync(new Uri("/api/products", UriKind.Relative));
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        }

        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // only the API fails

        using var ended = await http.DeleteAsync(new Uri("/admin/faults/error-burst", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        using var ok = await http.GetAsync(new Uri("/api/products", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var scraper = new ScrapeHarness();
        var scraped = await scraper.ScrapeAsync("sampleshop", shop.MetricsUrl);
        Assert.True(scraped.Up, scraped.LastError);
        var requests = scraper.Latest("sampleshop", "http_requests_received_total");
        Assert.Equal(3, requests.Single(r => r.Series.Label("code") == "500" && r.Series.Label("endpoint") == "/api/products").Value);
    }

    [Fact]
    public async Task Without_the_control_setting_there_is_no_fault_endpoint()
    {
        await using var shop = await SampleShopProcess.StartAsync(await postgres.CreateEmptyDatabaseAsync());
        using var http = shop.CreateClient();

        using var refused = await http.PostAsJsonAsync(new Uri("/admin/faults/error-burst", UriKind.Relative), new { rate = 1.0, duration = "00:05:00" });
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        using var ok = await http.GetAsync(new Uri("/api/products", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Migrations_are_applied_once_and_recorded_across_restarts()
    {
        var database = await postgres.CreateEmptyDatabaseAsync();
        await (await SampleShopProcess.StartAsync(database)).DisposeAsync();

        // A second start on the same database would fail (tables exist) if it applied the files again.
        await using var second = await SampleShopProcess.StartAsync(database);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var versions = new NpgsqlCommand("SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM shop.schema_versions", connection);
        Assert.Equal("1:initial,2:seed", await versions.ExecuteScalarAsync());
        await using var counts = new NpgsqlCommand("SELECT (SELECT count(*) FROM shop.products) || '/' || (SELECT count(*) FROM shop.customers) || '/' || (SELECT count(*) FROM shop.consents)", connection);
        Assert.Equal("24/40/120", await counts.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_shop_exits_by_itself_when_its_parent_process_is_gone()
    {
        using var parent = System.Diagnostics.Process.Start("sleep", "300");
        await using var shop = await SampleShopProcess.StartAsync(await postgres.CreateEmptyDatabaseAsync(), new Dictionary<string, string>
        {
            ["SampleShop:ParentProcessId"] = parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.False(shop.Process.HasExited);

        parent.Kill();
        await parent.WaitForExitAsync();

        await shop.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains($"Parent process {parent.Id} is gone", shop.Output, StringComparison.Ordinal);
    }
}
