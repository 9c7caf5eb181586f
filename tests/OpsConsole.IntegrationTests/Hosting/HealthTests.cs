using System.Net;
using System.Text.Json;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Hosting;

[Collection(PostgresCollection.Name)]
public sealed class HealthTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Ready_flips_to_503_when_the_database_stops_and_back_to_200_when_it_returns()
    {
        await using var console = await TestConsole.StartAsync(postgres.SharedConnectionString);
        await console.WaitForReadinessAsync();
        using var client = console.CreateClient();

        using (var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("application/json", live.Content.Headers.ContentType?.MediaType);
        }

        await postgres.Server.StopServerAsync();
        try
        {
            await console.WaitForReadinessAsync(HttpStatusCode.ServiceUnavailable);
            using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
            Assert.Contains("unreachable", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("description").GetString(), StringComparison.Ordinal);

            // Liveness does not depend on the database: an outage must not get the console restarted.
            using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await postgres.Server.StartServerAsync();
            // Idle pooled connections were cut by the restart; later tests must not be handed one of them.
            Npgsql.NpgsqlConnection.ClearAllPools();
            OpsConsole.Core.Data.NamedDataSources.ClearAll();
        }

        await console.WaitForReadinessAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Ready_is_503_with_a_reason_while_the_database_cannot_be_reached_at_startup()
    {
        // A port nobody listens on: the console starts, serves liveness, and reports why it is not ready.
        var unreachable = new Npgsql.NpgsqlConnectionStringBuilder(postgres.SharedConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;
        await using var console = await TestConsole.StartAsync(unreachable);
        await console.WaitForReadinessAsync(HttpStatusCode.ServiceUnavailable);
        using var client = console.CreateClient();
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var json = await ready.Content.ReadAsStringAsync();
        Assert.Contains("migrations not applied yet", json, StringComparison.Ordinal);
    }
}
