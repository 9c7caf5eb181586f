using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>/api/v1/silences over real HTTP: create, list, the alert's silenced flag and timeline, extend, expire, and 422s naming the field.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SilenceApiTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private string Db => Postgres.SharedConnectionString;

    [Fact]
    public async Task A_silence_flags_matching_alerts_until_it_is_expired_and_every_change_is_audited()
    {
        await Console.IngestAsync(
            AlertTesting.Ingested("HighLatencyP95", AlertState.Firing, AlertTesting.Start, ("job", "sampleshop")),
            AlertTesting.Ingested("HighLatencyP95", AlertState.Firing, AlertTesting.Start, ("job", "api")));
        await Console.Services.GetRequiredService<AlertStore>().RefreshAsync();
        using var client = Console.Api(await Console.CreateTokenForNewUserAsync("silencer", ConsoleRoles.OnCall));

        using var created = await client.PostJsonAsync("/api/v1/silences", new
        {
            matchers = new[] { new { name = "alertname", op = "=", value = "HighLatencyP95" }, new { name = "job", op = "=~", value = "sample.*" } },
            duration = "1h",
            comment = "shop deploy",
            maintenance = true,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silence = await created.JsonAsync();
        var silenceId = silence.GetProperty("id").GetGuid();
        Assert.Equal(("active", 1, "silencer"), (silence.GetProperty("state").GetString(), silence.GetProperty("matchedAlerts").GetInt32(), silence.GetProperty("createdBy").GetString()));
        Assert.InRange(silence.GetProperty("secondsLeft").GetDouble(), 3500, 3600);

        var list = await (await client.GetAsync(new Uri("/api/v1/silences", UriKind.Relative))).JsonAsync();
        Assert.Equal(silenceId, Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(silenceId, Assert.Single(list.GetProperty("activeMaintenanceWindows").EnumerateArray()).GetGuid());

        var shop = await AlertAsync(client, "job=\"sampleshop\"");
        Assert.True(shop.GetProperty("silenced").GetBoolean());
        Assert.Equal(silenceId, Assert.Single(shop.GetProperty("silencedBy").EnumerateArray()).GetGuid());
        Assert.False((await AlertAsync(client, "job=\"api\"")).GetProperty("silenced").GetBoolean());

        var endsAt = DateTimeOffset.UtcNow.AddHours(3);
        using (var extended = await client.PostJsonAsync($"/api/v1/silences/{silenceId}/extend", new { endsAt }))
        {
            Assert.Equal(HttpStatusCode.OK, extended.StatusCode);
            Assert.Equal(endsAt.ToUnixTimeMilliseconds(), (await extended.JsonAsync()).GetProperty("endsAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        }

        using (var expired = await client.DeleteAsync(new Uri($"/api/v1/silences/{silenceId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
            Assert.Equal(("expired", "silencer"), ((await expired.JsonAsync()).GetProperty("state").GetString(), (await expired.JsonAsync()).GetProperty("expiredBy").GetString()));
        }

        Assert.False((await AlertAsync(client, "job=\"sampleshop\"")).GetProperty("silenced").GetBoolean());
        var recent = await (await client.GetAsync(new Uri("/api/v1/silences", UriKind.Relative))).JsonAsync();
        Assert.Equal("expired", Assert.Single(recent.GetProperty("items").EnumerateArray()).GetProperty("state").GetString());
        Assert.Empty(recent.GetProperty("activeMaintenanceWindows").EnumerateArray());

        var id = await AlertTesting.ScalarAsync(Db, "SELECT id FROM console.alerts WHERE labels->>'job' = 'sampleshop'");
        var timeline = (await Console.DetailAsync(id)).Timeline;
        Assert.Equal(
            [(AlertTimelineKinds.StateChanged, (Guid?)null), (AlertTimelineKinds.Silenced, silenceId), (AlertTimelineKinds.Unsilenced, silenceId)],
            timeline.Select(t => (t.Kind, t.SilenceId)));
        Assert.Equal("silencer", timeline[1].Actor);
        foreach (var action in new[] { "silences.created", "silences.extended", "silences.expired" })
        {
            var record = await AuditLog.WaitForAsync(Db, $"action = '{action}' AND target_id = '{silenceId}'");
            Assert.Equal("silencer", record.ActorName);
        }
    }

    [Theory]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"op\":\"=\",\"value\":\"shop\"}],\"startsAt\":\"2030-01-02T00:00:00Z\",\"endsAt\":\"2030-01-01T00:00:00Z\",\"comment\":\"x\"}", 422, "endsAt")]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"op\":\"=\",\"value\":\"shop\"}],\"duration\":\"1h\",\"comment\":\" \"}", 422, "comment")]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"op\":\"=\",\"value\":\"shop\"},{\"name\":\"instance\",\"op\":\"=~\",\"value\":\"(db\"}],\"duration\":\"1h\",\"comment\":\"x\"}", 422, "matchers[1].value")]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"op\":\"=~\",\"value\":\".*\"}],\"duration\":\"1h\",\"comment\":\"x\"}", 422, "matchers")]
    [InlineData("{\"matchers\":[],\"duration\":\"1h\",\"comment\":\"x\"}", 422, "matchers")]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"op\":\"=\",\"value\":\"shop\"}],\"duration\":\"soon\",\"comment\":\"x\"}", 422, "duration")]
    [InlineData("{\"matchers\":[{\"name\":\"job\",\"op\":\"=\",\"value\":\"shop\"}],\"endsAt\":\"tomorrow\",\"comment\":\"x\"}", 400, "endsAt")]
    [InlineData("{\"matchers\":", 400, "matchers")]
    [InlineData("not json", 400, "body")]
    public async Task A_bad_silence_is_refused_naming_the_field_and_nothing_is_created(string body, int status, string field)
    {
        using var client = Console.Api(await Console.CreateTokenForNewUserAsync("bad-silencer", ConsoleRoles.Sre));

        using var response = await client.PostAsync(new Uri("/api/v1/silences", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, (await response.JsonAsync()).GetProperty("field").GetString());
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.silences"));
    }

    [Fact]
    public async Task An_unknown_silence_is_404_and_an_expired_one_cannot_be_extended()
    {
        using var client = Console.Api(await Console.CreateTokenForNewUserAsync("extender", ConsoleRoles.Sre));
        using (var missing = await client.DeleteAsync(new Uri($"/api/v1/silences/{Guid.NewGuid()}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var created = await client.PostJsonAsync("/api/v1/silences", new
        {
            matchers = new[] { new { name = "alertname", op = "=", value = "X" } }, duration = "10m", comment = "x",
        });
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        using (await client.DeleteAsync(new Uri($"/api/v1/silences/{id}", UriKind.Relative)))
        {
        }

        using var extend = await client.PostJsonAsync($"/api/v1/silences/{id}/extend", new { duration = "1h" });
        Assert.Equal(HttpStatusCode.Conflict, extend.StatusCode);
    }

    private static async Task<System.Text.Json.JsonElement> AlertAsync(HttpClient client, string filter)
    {
        var page = await (await client.GetAsync(new Uri($"/api/v1/alerts?state=firing&filter={Uri.EscapeDataString(filter)}", UriKind.Relative))).JsonAsync();
        var alert = Assert.Single(page.GetProperty("items").EnumerateArray());
        return (await (await client.GetAsync(new Uri($"/api/v1/alerts/{alert.GetProperty("id").GetInt64()}", UriKind.Relative))).JsonAsync()).GetProperty("alert");
    }
}
