using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Keys;

/// <summary>
/// Rotations and revocations through /api/v1/keys, each an operation that ends by fetching the console's own JWKS over
/// HTTP; a consumer validating through Microsoft.IdentityModel's JWKS refresh keeps working across a rotation.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KeyRotationTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly Dictionary<string, string?> Rings = new()
    {
        ["Keys:JwksMaxAge"] = "1m",
        ["Keys:Rings:sessions:Algorithm"] = "ES256",
        ["Keys:Rings:sessions:LeadTime"] = "1h",
        ["Keys:Rings:partners:Algorithm"] = "RS256",
        ["Keys:Rings:partners:RequireApproval"] = "true",
    };

    private static readonly ClaimsPrincipal Reader = TestPrincipals.Of("viewer-vic", ConsoleRoles.Viewer);

    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, Rings);

    [Fact]
    public async Task A_rotation_publishes_the_new_key_at_once_signs_with_it_after_the_lead_time_and_proves_it_over_HTTP()
    {
        using var client = await ClientAsync("sre-sam", ConsoleRoles.Sre);
        await SigningKeyTests.WaitForKeysAsync(client, "/keys/sessions/jwks.json", 1);
        var before = await RingAsync("sessions");
        var old = Assert.Single(before.Versions);

        using var response = await client.PostAsJsonAsync("/api/v1/keys/sessions/rotate", new { confirmation = "sessions", reason = "quarterly" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var done = await WaitForFinalAsync(id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);

        var after = await RingAsync("sessions");
        var added = Assert.Single(after.Versions, v => v.Kid != old.Kid);
        Assert.Equal(KeyState.Pending, added.State);
        Assert.Equal(TimeSpan.FromHours(1), added.ActivateAt - added.PublishAt);
        var retiring = Assert.Single(after.Versions, v => v.Kid == old.Kid);
        Assert.Equal((KeyState.Active, added.ActivateAt), (retiring.State, retiring.RetireAt)); // still signs until the new one takes over
        Assert.Equal(added.ActivateAt + TimeSpan.FromDays(2), retiring.RemoveAt);
        Assert.Equal(old.Kid, after.SigningKid);
        Assert.Equal([old.Kid, added.Kid], (await SigningKeyTests.GetKeysAsync(client, "/keys/sessions/jwks.json")).Select(k => k.GetProperty("kid").GetString()));

        var log = await LogAsync(id);
        Assert.Contains(log, l => l.Contains("/keys/sessions/jwks.json", StringComparison.Ordinal) && l.Contains(KeyKinds.Short(added.Kid) + " listed", StringComparison.Ordinal));
        var audit = Assert.Single(await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'keys.rotated'", 1));
        Assert.Equal("sessions", audit.TargetId);
        Assert.Equal(added.Kid, Detail(audit, "kid"));
        Assert.Equal(("sre-sam", "quarterly"), (Detail(audit, "requested_by"), audit.Reason));

        // A second rotation while this one's key is pending would leave two successors: refused, naming the field.
        using var again = await client.PostAsJsonAsync("/api/v1/keys/sessions/rotate", new { confirmation = "sessions" });
        await AssertInvalidAsync(again, "ring", "already under way");
    }

    [Fact]
    public async Task A_consumer_validating_through_JWKS_refresh_accepts_old_and_new_tokens_across_an_immediate_rotation_and_rejects_a_revoked_key()
    {
        using var admin = await ClientAsync("admin-ada", ConsoleRoles.Admin);
        await SigningKeyTests.WaitForKeysAsync(admin, "/keys/sessions/jwks.json", 1);
        var oldKid = (await RingAsync("sessions")).SigningKid!;
        var oldToken = await SignAsync("sessions", oldKid);

        using var http = Console.CreateClient();
        var consumer = JwksConsumer.Create(http, new Uri(Console.BaseAddress, "/keys/sessions/jwks.json"));
        Assert.Equal(oldKid, await consumer.ValidKidAsync(oldToken));

        await RunAsync(admin, "/api/v1/keys/sessions/rotate", new { confirmation = "sessions", immediate = true });
        var newKid = (await RingAsync("sessions")).SigningKid!;
        Assert.NotEqual(oldKid, newKid);
        var newToken = await SignAsync("sessions", newKid);
        // Microsoft.IdentityModel 8 answers an unknown kid with a refresh in the background: this token fails, a later one
        // passes. Without the lead time (immediate) a consumer pays that; with it, its cache has the key before it signs.
        Assert.Null(await consumer.ValidKidAsync(newToken));
        await AlertTesting.WaitUntilAsync(async () => await consumer.ValidKidAsync(newToken) == newKid, "the consumer's JWKS refresh to pick up the new key", TimeSpan.FromSeconds(10));
        Assert.Equal(oldKid, await consumer.ValidKidAsync(oldToken)); // retired, still published for its grace

        await RunAsync(admin, $"/api/v1/keys/sessions/versions/{oldKid}/revoke", new { confirmation = KeyKinds.Short(oldKid), reason = "leaked in a CI log" });
        Assert.DoesNotContain(oldKid, (await SigningKeyTests.GetKeysAsync(admin, "/keys/sessions/jwks.json")).Select(k => k.GetProperty("kid").GetString()));
        var fresh = JwksConsumer.Create(http, new Uri(Console.BaseAddress, "/keys/sessions/jwks.json")); // one whose cache expired
        Assert.Null(await fresh.ValidKidAsync(oldToken));
        Assert.Equal(newKid, await fresh.ValidKidAsync(newToken));
        var audit = Assert.Single(await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'keys.revoked'", 1));
        Assert.Equal((oldKid, "leaked in a CI log", "admin-ada"), (Detail(audit, "kid"), audit.Reason, Detail(audit, "requested_by")));
    }

    [Fact]
    public async Task Bad_requests_are_refused_naming_the_field_and_nothing_changes()
    {
        using var admin = await ClientAsync("admin-ada", ConsoleRoles.Admin);
        await SigningKeyTests.WaitForKeysAsync(admin, "/keys/sessions/jwks.json", 1);
        var kid = (await RingAsync("sessions")).SigningKid!;

        using (var wrong = await admin.PostAsJsonAsync("/api/v1/keys/sessions/rotate", new { confirmation = "partners" }))
        {
            await AssertInvalidAsync(wrong, "confirmation", "sessions");
        }

        using (var broken = await admin.PostAsync("/api/v1/keys/sessions/rotate", new StringContent("{\"confirmation\":", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        }

        using (var noReason = await admin.PostAsJsonAsync($"/api/v1/keys/sessions/versions/{kid}/revoke", new { confirmation = KeyKinds.Short(kid) }))
        {
            await AssertInvalidAsync(noReason, "reason", "audit");
        }

        using (var only = await admin.PostAsJsonAsync($"/api/v1/keys/sessions/versions/{kid}/revoke", new { confirmation = kid, reason = "test" }))
        {
            await AssertInvalidAsync(only, "kid", "no pending key can take over");
        }

        using (var unknownRing = await admin.PostAsJsonAsync("/api/v1/keys/nope/rotate", new { confirmation = "nope" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownRing.StatusCode);
        }

        using (var unknownKid = await admin.PostAsJsonAsync("/api/v1/keys/sessions/versions/AAAA/revoke", new { confirmation = "AAAA", reason = "x" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownKid.StatusCode);
        }

        var ring = await RingAsync("sessions");
        Assert.Equal((kid, KeyState.Active), (Assert.Single(ring.Versions).Kid, ring.Versions[0].State));
        Assert.Empty(await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action IN ('keys.rotated', 'keys.revoked')"));
    }

    [Fact]
    public async Task A_rotation_asked_for_while_PostgreSQL_is_down_is_a_503_problem_the_JWKS_is_still_served_and_nothing_is_half_rotated()
    {
        using var client = await ClientAsync("sre-sue", ConsoleRoles.Sre);
        await SigningKeyTests.WaitForKeysAsync(client, "/keys/sessions/jwks.json", 1);
        using (var warm = await client.GetAsync(new Uri("/api/v1/keys/sessions", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode); // the token is in the cache, so the request reaches the rotation
        }

        var before = await RingAsync("sessions");
        await Postgres.Server.StopServerAsync();
        try
        {
            using var refused = await client.PostAsJsonAsync("/api/v1/keys/sessions/rotate", new { confirmation = "sessions", reason = "during an outage" });
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode}: {text}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

            // Consumers keep validating: the JWKS is served from memory.
            var keys = await SigningKeyTests.GetKeysAsync(client, "/keys/sessions/jwks.json");
            Assert.Equal(before.Versions.Select(v => v.Kid), keys.Select(k => k.GetProperty("kid").GetString()));
        }
        finally
        {
            await Postgres.Server.StartServerAsync();
            NpgsqlConnection.ClearAllPools();
            Core.Data.NamedDataSources.ClearAll();
        }

        var after = await RingAsync("sessions");
        Assert.Equal(before.Versions.Select(v => (v.Kid, v.State)), after.Versions.Select(v => (v.Kid, v.State)));
        Assert.Null(after.Active); // no rotation left requested or running
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM console.operations WHERE target = 'key-ring:sessions'", connection);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Revoking_on_a_ring_that_requires_approval_waits_for_a_second_Admin_and_cancels_the_rotation_it_undoes()
    {
        using var ann = await ClientAsync("admin-ann", ConsoleRoles.Admin);
        using var bob = await ClientAsync("admin-bob", ConsoleRoles.Admin);
        await SigningKeyTests.WaitForKeysAsync(ann, "/keys/partners/jwks.json", 1);
        var signing = (await RingAsync("partners")).SigningKid!;
        await RunAsync(ann, "/api/v1/keys/partners/rotate", new { confirmation = "partners" }); // rotating needs no approval
        var pending = Assert.Single((await RingAsync("partners")).Versions, v => v.State == KeyState.Pending).Kid;

        using var requested = await ann.PostAsJsonAsync($"/api/v1/keys/partners/versions/{pending}/revoke", new { confirmation = KeyKinds.Short(pending), reason = "generated on a suspect host" });
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var body = await requested.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("awaiting_approval", body.GetProperty("state").GetString());
        var id = body.GetProperty("id").GetGuid();
        using (var self = await ann.PostAsync($"/api/v1/operations/{id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        }

        Assert.Contains(pending, (await SigningKeyTests.GetKeysAsync(ann, "/keys/partners/jwks.json")).Select(k => k.GetProperty("kid").GetString()));
        using (var approved = await bob.PostAsync($"/api/v1/operations/{id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        var done = await WaitForFinalAsync(id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);
        Assert.Equal("admin-bob", done.ApprovedBy);
        var ring = await RingAsync("partners");
        Assert.Equal(KeyState.Revoked, ring.Versions.Single(v => v.Kid == pending).State);
        var kept = ring.Versions.Single(v => v.Kid == signing);
        Assert.Equal((KeyState.Active, (DateTimeOffset?)null), (kept.State, kept.RetireAt)); // the rotation to the revoked key is cancelled
        Assert.Equal([signing], (await SigningKeyTests.GetKeysAsync(ann, "/keys/partners/jwks.json")).Select(k => k.GetProperty("kid").GetString()));
        Assert.Contains(await LogAsync(id), l => l.Contains("keeps signing", StringComparison.Ordinal));
        var audit = Assert.Single(await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'keys.revoked'", 1));
        Assert.Equal(("admin-ann", "admin-bob"), (Detail(audit, "requested_by"), Detail(audit, "approved_by")));
    }

    [Fact]
    public async Task Readers_see_the_rings_metadata_and_never_a_private_member()
    {
        using var viewer = await ClientAsync("viewer-vic", ConsoleRoles.Viewer);
        await SigningKeyTests.WaitForKeysAsync(viewer, "/.well-known/jwks.json", 2);
        var text = await viewer.GetStringAsync(new Uri("/api/v1/keys", UriKind.Relative));
        using var document = JsonDocument.Parse(text);
        var items = document.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["partners", "sessions"], items.Select(i => i.GetProperty("name").GetString()));
        var sessions = items[1];
        Assert.Equal(("ES256", "30d", "1h", "/keys/sessions/jwks.json", "not_due"), (
            sessions.GetProperty("algorithm").GetString(), sessions.GetProperty("rotationPeriod").GetString(), sessions.GetProperty("leadTime").GetString(),
            sessions.GetProperty("jwksPath").GetString(), sessions.GetProperty("urgency").GetString()));
        var version = Assert.Single(sessions.GetProperty("versions").EnumerateArray());
        Assert.Equal("active", version.GetProperty("state").GetString());
        Assert.Equal(sessions.GetProperty("signingKid").GetString(), version.GetProperty("kid").GetString());
        foreach (var member in new[] { "\"d\"", "\"p\"", "\"q\"", "protected", "pkcs8", "private" })
        {
            Assert.DoesNotContain(member, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static string? Detail(OpsConsole.Core.Audit.AuditRecord record, string key) =>
        OpsConsole.Core.Audit.AuditCanonical.ParseDetails(record.Details).GetValueOrDefault(key);

    private async Task<HttpClient> ClientAsync(string user, string role)
    {
        var token = await Console.CreateTokenForNewUserAsync(user, role);
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Posts an action and waits for its operation to succeed.</summary>
    private async Task RunAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var done = await WaitForFinalAsync(id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);
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

    private async Task<KeyRingView> RingAsync(string ring)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KeysService>().GetAsync(Reader, ring);
    }

    private async Task<string> SignAsync(string ring, string kid)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        using var key = await scope.ServiceProvider.GetRequiredService<KeyRingStore>().OpenAsync(ring, kid);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = JwksConsumer.Issuer,
            Audience = JwksConsumer.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = key.Credentials,
        });
    }

    private async Task<OperationView> WaitForFinalAsync(Guid id)
    {
        OperationView? last = null;
        await AlertTesting.WaitUntilAsync(async () =>
        {
            await using var scope = Console.Services.CreateAsyncScope();
            last = await scope.ServiceProvider.GetRequiredService<OperationService>().GetAsync(TestPrincipals.Of("admin", ConsoleRoles.Admin), id);
            return last!.IsFinal;
        }, $"operation {id} to finish", TimeSpan.FromSeconds(60));
        return last!;
    }

    private async Task<IReadOnlyList<string>> LogAsync(Guid id)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return [.. (await scope.ServiceProvider.GetRequiredService<OperationService>().ReadLogAsync(TestPrincipals.Of("admin", ConsoleRoles.Admin), id)).Select(l => l.Text)];
    }
}

/// <summary>
/// A service validating tokens the standard way: a ConfigurationManager over the JWKS URL (wrapped as an OpenID
/// configuration, the type the handlers refresh), given to the handler, which refreshes once on an unknown kid.
/// </summary>
internal sealed class JwksConsumer(ConfigurationManager<OpenIdConnectConfiguration> manager)
{
    public const string Issuer = "https://console.test";
    public const string Audience = "sample";

    public static JwksConsumer Create(HttpClient http, Uri jwks) =>
        new(new ConfigurationManager<OpenIdConnectConfiguration>(jwks.ToString(), new JwksRetriever(), new HttpDocumentRetriever(http) { RequireHttps = false }));

    /// <summary>The kid that validated <paramref name="token"/>, or null when it does not validate.</summary>
    public async Task<string?> ValidKidAsync(string token)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            ConfigurationManager = manager,
        });
        return result.IsValid ? ((JsonWebToken)result.SecurityToken).Kid : null;
    }

    private sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
    {
        public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            var set = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel));
            var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = set, Issuer = Issuer };
            foreach (var key in set.GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            return configuration;
        }
    }
}

/// <summary>Two consoles on one database look at an overdue ring at the same instant: it is rotated once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class KeyRotationSchedulerTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Two_consoles_looking_at_an_overdue_ring_at_once_rotate_it_once()
    {
        var database = await postgres.CreateEmptyDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Keys:Rings:sessions:Algorithm"] = "ES256", ["Keys:Rings:sessions:RotationPeriod"] = "30d" };
        var consoles = await Task.WhenAll(TestConsole.StartAsync(database, settings), TestConsole.StartAsync(database, settings));
        try
        {
            using (var client = consoles[0].CreateClient())
            {
                await SigningKeyTests.WaitForKeysAsync(client, "/keys/sessions/jwks.json", 1);
            }

            // The first key began signing 31 days ago: a rotation is overdue.
            await using (var connection = new NpgsqlConnection(database))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    "UPDATE console.signing_keys SET created_at = now() - interval '31 days', publish_at = now() - interval '31 days', activate_at = now() - interval '31 days'", connection);
                Assert.Equal(1, await command.ExecuteNonQueryAsync());
            }

            var looks = await Task.WhenAll(consoles.Select(c => c.Services.GetRequiredService<KeyRotationScheduler>().TickAsync(CancellationToken.None)));
            var requested = looks.SelectMany(l => l).ToList();
            Assert.NotEmpty(requested);
            await AlertTesting.WaitUntilAsync(async () => await ActiveAsync(database) == 0, "the rotations to end", TimeSpan.FromSeconds(60));

            Assert.Equal(2, (await SigningKeyTests.ReadRowsAsync(database)).Count);
            Assert.Single(await AuditLog.ReadAsync(database, "action = 'keys.rotated'"));
            var after = await Task.WhenAll(consoles.Select(c => c.Services.GetRequiredService<KeyRotationScheduler>().TickAsync(CancellationToken.None)));
            Assert.All(after, Assert.Empty); // the new key is pending: the next rotation is a period away
        }
        finally
        {
            foreach (var console in consoles)
            {
                await console.DisposeAsync();
            }
        }
    }

    private static async Task<long> ActiveAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM console.operations WHERE kind = 'key-rotation' AND state IN ('Queued', 'Running', 'AwaitingApproval')", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
