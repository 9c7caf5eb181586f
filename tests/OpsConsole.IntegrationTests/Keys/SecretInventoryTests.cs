using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Keys;

/// <summary>
/// The secrets inventory through /api/v1/keys/secrets with real API tokens on a real PostgreSQL: declared secrets with
/// their due dates, rotations recorded and audited (never a value), refusals naming the field, and the gauges in /metrics.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SecretInventoryTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private const string Leaked = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

    private static readonly Dictionary<string, string?> Secrets = new()
    {
        ["Keys:Secrets:it-payments:Owner"] = "payments-team",
        ["Keys:Secrets:it-payments:Location"] = "env PAYMENT_API_KEY on sampleshop",
        ["Keys:Secrets:it-payments:RotationPeriod"] = "30d",
        ["Keys:Secrets:it-payments:WarnBefore"] = "7d",
        ["Keys:Secrets:it-payments:Url"] = "https://dashboard.stripe.com/apikeys",
        ["Keys:Secrets:it-webhook:Owner"] = "shop-team",
        ["Keys:Secrets:it-webhook:Location"] = "Vault kv/sampleshop/webhook",
    };

    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, Secrets);

    [Fact]
    public async Task Declared_secrets_are_listed_with_owner_location_and_a_due_date_one_period_after_their_first_declaration()
    {
        using var viewer = await ClientAsync("viewer-vic", ConsoleRoles.Viewer);

        using var document = JsonDocument.Parse(await viewer.GetStringAsync(new Uri("/api/v1/keys/secrets", UriKind.Relative)));

        var items = document.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["it-payments", "it-webhook"], items.Select(i => i.GetProperty("name").GetString()));
        var payments = items[0];
        Assert.Equal(("payments-team", "env PAYMENT_API_KEY on sampleshop", "30d", "1w", "unknown", "https://dashboard.stripe.com/apikeys"), (
            payments.GetProperty("owner").GetString(), payments.GetProperty("location").GetString(), payments.GetProperty("rotationPeriod").GetString(),
            payments.GetProperty("warnBefore").GetString(), payments.GetProperty("state").GetString(), payments.GetProperty("url").GetString()));
        Assert.Equal(JsonValueKind.Null, payments.GetProperty("lastRotatedAt").ValueKind);
        Assert.Equal(payments.GetProperty("firstDeclaredAt").GetDateTimeOffset().AddDays(30), payments.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(("90d", "2w"), (items[1].GetProperty("rotationPeriod").GetString(), items[1].GetProperty("warnBefore").GetString())); // the defaults

        using var missing = await viewer.GetAsync(new Uri("/api/v1/keys/secrets/nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_recorded_rotation_moves_the_due_date_is_audited_without_any_value_and_shows_in_metrics()
    {
        using var sre = await ClientAsync("sre-sam", ConsoleRoles.Sre);
        await WaitForMetricAsync(sre, "opsconsole_secret_rotation_due_timestamp_seconds{secret=\"it-payments\"}");
        Assert.DoesNotContain("opsconsole_secret_last_rotated_timestamp_seconds{secret=\"it-payments\"}", await MetricsAsync(sre), StringComparison.Ordinal);

        var rotatedAt = DateTimeOffset.UtcNow.AddDays(-25);
        using var response = await sre.PostAsJsonAsync("/api/v1/keys/secrets/it-payments/rotations",
            new { rotatedAt = rotatedAt.ToString("O", CultureInfo.InvariantCulture), note = "CHG-1234, rolled in the provider dashboard" });

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        Assert.EndsWith("/api/v1/keys/secrets/it-payments", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("due_soon", body.GetProperty("state").GetString()); // 5 days left, WarnBefore 7d
        Assert.Equal(Micros(rotatedAt.AddDays(30)), body.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal("sre-sam", body.GetProperty("lastRotatedBy").GetString());
        var entry = Assert.Single(body.GetProperty("history").EnumerateArray());
        Assert.Equal("CHG-1234, rolled in the provider dashboard", entry.GetProperty("note").GetString());

        var audit = Assert.Single(await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'keys.secret_rotated' AND target_id = 'it-payments'", 1));
        Assert.Equal(("secret", "sre-sam", "CHG-1234, rolled in the provider dashboard"), (audit.TargetType, audit.ActorName, audit.Reason));
        var details = OpsConsole.Core.Audit.AuditCanonical.ParseDetails(audit.Details);
        // "token" names the API token the call came with (the audit trail adds it to every token-authenticated record).
        Assert.Equal(["location", "rotated_at", "token"], details.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Micros(rotatedAt), DateTimeOffset.Parse(details["rotated_at"]!, CultureInfo.InvariantCulture));

        await WaitForMetricAsync(sre, "opsconsole_secret_last_rotated_timestamp_seconds{secret=\"it-payments\"} " + Micros(rotatedAt).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var metrics = await MetricsAsync(sre);
        Assert.Contains("opsconsole_secret_warn_before_seconds{secret=\"it-payments\"} 604800", metrics, StringComparison.Ordinal);

        using var reader = await ClientAsync("viewer-vic", ConsoleRoles.Viewer);
        var one = await reader.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/keys/secrets/it-payments", UriKind.Relative));
        Assert.Equal(Micros(rotatedAt), one.GetProperty("lastRotatedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_value_like_field_a_key_shaped_note_a_future_or_earlier_time_are_refused_naming_the_field_and_nothing_is_stored()
    {
        using var admin = await ClientAsync("admin-ada", ConsoleRoles.Admin);

        using (var value = await admin.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { note = "new one", apiKey = Leaked }))
        {
            await AssertInvalidAsync(value, "apiKey", "never takes a secret's value");
        }

        using (var plain = await admin.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { value = Leaked }))
        {
            await AssertInvalidAsync(plain, "value", "never takes a secret's value");
        }

        using (var inNote = await admin.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { note = "rotated to " + Leaked }))
        {
            await AssertInvalidAsync(inNote, "note", "Never paste a secret's value");
        }

        using (var future = await admin.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { rotatedAt = DateTimeOffset.UtcNow.AddHours(2).ToString("O", CultureInfo.InvariantCulture) }))
        {
            await AssertInvalidAsync(future, "rotatedAt", "in the future");
        }

        using (var noOffset = await admin.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { rotatedAt = "2026-12-01T10:00:00" }))
        {
            await AssertInvalidAsync(noOffset, "rotatedAt", "with an offset");
        }

        using (var first = await admin.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode); // rotatedAt defaults to now
        }

        using (var earlier = await admin.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { rotatedAt = DateTimeOffset.UtcNow.AddDays(-3).ToString("O", CultureInfo.InvariantCulture) }))
        {
            await AssertInvalidAsync(earlier, "rotatedAt", "before the last recorded rotation");
        }

        using (var undeclared = await admin.PostAsJsonAsync("/api/v1/keys/secrets/nope/rotations", new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, undeclared.StatusCode);
        }

        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM console.secret_rotations WHERE secret = 'it-webhook'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM console.audit_log WHERE details::text LIKE '%{Leaked}%' OR coalesce(reason, '') LIKE '%{Leaked}%'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM console.secret_rotations WHERE coalesce(note, '') LIKE '%{Leaked}%'"));
    }

    [Fact]
    public async Task Readers_may_not_record_a_rotation()
    {
        using var viewer = await ClientAsync("viewer-vic", ConsoleRoles.Viewer);

        using var response = await viewer.PostAsJsonAsync("/api/v1/keys/secrets/it-webhook/rotations", new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM console.secret_rotations"));
    }

    [Fact]
    public async Task A_bad_declaration_stops_the_console_at_startup_naming_each_key()
    {
        var settings = new Dictionary<string, string?>(Secrets)
        {
            ["Keys:Secrets:it-payments:WarnBefore"] = "30d",
            ["Keys:Secrets:it-webhook:RotationPeriod"] = "quarterly",
            ["Keys:Secrets:it-webhook:Owner"] = null,
        };

        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestConsole.StartAsync(Postgres.SharedConnectionString, settings));

        Assert.Contains("Keys:Secrets:it-payments:WarnBefore (30d) must be shorter than RotationPeriod (30d)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Keys:Secrets:it-webhook:RotationPeriod \"quarterly\" is not a duration", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Keys:Secrets:it-webhook:Owner is required", failure.Message, StringComparison.Ordinal);
    }

    private static DateTimeOffset Micros(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<string> MetricsAsync(HttpClient client) => await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    private static Task WaitForMetricAsync(HttpClient client, string line) =>
        AlertTesting.WaitUntilAsync(async () => (await MetricsAsync(client)).Contains(line, StringComparison.Ordinal), $"/metrics to show {line}", TimeSpan.FromSeconds(15));

    private async Task<HttpClient> ClientAsync(string user, string role)
    {
        var token = await Console.CreateTokenForNewUserAsync(user, role);
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field, string words)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        Assert.Contains(words, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
