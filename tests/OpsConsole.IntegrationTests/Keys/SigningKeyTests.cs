using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OpsConsole.Core.Keys;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Keys;

/// <summary>Two rings (ES256 and RS256): their first keys created at start, stored protected, and published as JWKS over HTTP.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SigningKeyTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    internal static readonly Dictionary<string, string?> TwoRings = new()
    {
        ["Keys:JwksMaxAge"] = "2m",
        ["Keys:Rings:sessions:Algorithm"] = "ES256",
        ["Keys:Rings:webhooks:Algorithm"] = "RS256",
    };

    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, TwoRings);

    [Fact]
    public async Task The_first_key_of_every_ring_is_created_at_start_audited_and_published()
    {
        using var client = Console.CreateClient();
        var all = await WaitForKeysAsync(client, "/.well-known/jwks.json", 2);

        var rows = await ReadRowsAsync(Postgres.SharedConnectionString);
        Assert.Equal(["sessions", "webhooks"], rows.Select(r => r.Ring).Order(StringComparer.Ordinal));
        Assert.Equal(rows.Select(r => r.Kid).Order(StringComparer.Ordinal), all.Select(k => k.GetProperty("kid").GetString()).Order(StringComparer.Ordinal));
        var audits = await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'keys.created'", 2);
        Assert.All(audits, a => Assert.Equal(("system", "key_ring"), (a.ActorType, a.TargetType)));
        Assert.Equal(["sessions", "webhooks"], audits.Select(a => a.TargetId).Order(StringComparer.Ordinal));

        var sessions = Assert.Single(await GetKeysAsync(client, "/keys/sessions/jwks.json"));
        Assert.Equal("ES256", sessions.GetProperty("alg").GetString());
        var webhooks = Assert.Single(await GetKeysAsync(client, "/keys/webhooks/jwks.json"));
        Assert.Equal("RS256", webhooks.GetProperty("alg").GetString());
    }

    [Fact]
    public async Task The_JWKS_lists_public_members_only_as_a_jwk_set()
    {
        using var client = Console.CreateClient();
        var keys = await WaitForKeysAsync(client, "/.well-known/jwks.json", 2);
        using var response = await client.GetAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);

        foreach (var key in keys)
        {
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
            var members = key.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            Assert.Empty(members.Intersect(PrivateMembers));
            if (key.GetProperty("alg").GetString() == "ES256")
            {
                Assert.Equal(["alg", "crv", "kid", "kty", "use", "x", "y"], members.Order(StringComparer.Ordinal));
                Assert.Equal(("EC", "P-256"), (key.GetProperty("kty").GetString(), key.GetProperty("crv").GetString()));
            }
            else
            {
                Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], members.Order(StringComparer.Ordinal));
                Assert.Equal("RSA", key.GetProperty("kty").GetString());
            }
        }
    }

    [Fact]
    public async Task The_stored_private_key_is_protected_and_round_trips_through_the_protector()
    {
        using var client = Console.CreateClient();
        await WaitForKeysAsync(client, "/.well-known/jwks.json", 2);
        var protector = Console.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(KeyRingStore.PrivateKeyPurpose);

        foreach (var row in await ReadRowsAsync(Postgres.SharedConnectionString))
        {
            using var asStored = ECDsa.Create();
            using var asStoredRsa = RSA.Create();
            Assert.ThrowsAny<CryptographicException>(() => asStored.ImportPkcs8PrivateKey(row.ProtectedPrivateKey, out _));
            Assert.ThrowsAny<CryptographicException>(() => asStoredRsa.ImportPkcs8PrivateKey(row.ProtectedPrivateKey, out _));

            var pkcs8 = protector.Unprotect(row.ProtectedPrivateKey);
            Assert.False(row.ProtectedPrivateKey.AsSpan().IndexOf(pkcs8) >= 0, "the stored bytes contain the PKCS#8 key in clear");
            var algorithm = SigningAlgorithm.Find(row.Algorithm)!;
            using AsymmetricAlgorithm key = algorithm.IsRsa ? RSA.Create() : ECDsa.Create();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            Assert.Equal(row.Kid, KeyMaterial.ToPublicJwk(key, algorithm).Kid);
        }
    }

    [Fact]
    public async Task An_unchanged_JWKS_answers_304_to_its_ETag_and_is_cacheable_for_JwksMaxAge()
    {
        using var client = Console.CreateClient();
        await WaitForKeysAsync(client, "/.well-known/jwks.json", 2);
        foreach (var path in new[] { "/.well-known/jwks.json", "/keys/sessions/jwks.json" })
        {
            using var first = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var etag = first.Headers.ETag;
            Assert.NotNull(etag);
            Assert.False(etag.IsWeak);
            Assert.True(first.Headers.CacheControl?.Public);
            Assert.Equal(TimeSpan.FromMinutes(2), first.Headers.CacheControl?.MaxAge);

            using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            again.Headers.IfNoneMatch.Add(etag);
            using var notModified = await client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
            Assert.Equal(etag, notModified.Headers.ETag);

            using var other = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
            using var changed = await client.SendAsync(other);
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Equal("nosniff", changed.Headers.GetValues("X-Content-Type-Options").Single()); // short-circuited after the headers
        }

        // Short-circuited past HttpMetrics, the JWKS endpoints count themselves, by ring and status.
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Matches("opsconsole_jwks_requests_total\\{ring=\"sessions\",code=\"304\"\\} [1-9]", metrics);
        Assert.Matches("opsconsole_jwks_requests_total\\{ring=\"_all\",code=\"200\"\\} [1-9]", metrics);
        Assert.DoesNotContain("jwks.json\"", metrics, StringComparison.Ordinal); // not in http_request_* by endpoint
    }

    [Theory]
    [InlineData("sessions")]
    [InlineData("webhooks")]
    public async Task A_token_signed_with_the_stored_key_validates_through_ConfigurationManager_over_HTTP(string ring)
    {
        using var client = Console.CreateClient();
        await WaitForKeysAsync(client, $"/keys/{ring}/jwks.json", 1);
        var kid = (await ReadRowsAsync(Postgres.SharedConnectionString)).Single(r => r.Ring == ring).Kid;
        string token;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            using var key = await scope.ServiceProvider.GetRequiredService<KeyRingStore>().OpenAsync(ring, kid);
            token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = "https://console.test",
                Audience = "sample",
                Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
                Expires = DateTime.UtcNow.AddMinutes(5),
                SigningCredentials = key.Credentials,
            });
        }

        // As a .NET service would: ConfigurationManager fetching the JWKS (the content type is the RFC 7517 one).
        using var http = Console.CreateClient();
        var manager = new ConfigurationManager<JsonWebKeySet>(
            new Uri(Console.BaseAddress, "/.well-known/jwks.json").ToString(), new JwksRetriever(), new HttpDocumentRetriever(http) { RequireHttps = false });
        var jwks = await manager.GetConfigurationAsync(CancellationToken.None);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "https://console.test",
            ValidAudience = "sample",
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(kid, ((JsonWebToken)result.SecurityToken).Kid);
    }

    [Fact]
    public async Task An_unknown_ring_is_a_404_problem()
    {
        using var client = Console.CreateClient();
        using var response = await client.GetAsync(new Uri("/keys/nope/jwks.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("nope", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    internal static async Task<IReadOnlyList<JsonElement>> WaitForKeysAsync(HttpClient client, string path, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        IReadOnlyList<JsonElement> keys = [];
        while (!cts.IsCancellationRequested)
        {
            keys = await GetKeysAsync(client, path);
            if (keys.Count >= count)
            {
                return keys;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Fail($"{path} did not list {count} key(s) within 30 s; it listed {keys.Count}");
        return keys;
    }

    internal static async Task<IReadOnlyList<JsonElement>> GetKeysAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.Clone())];
    }

    internal sealed record Row(string Ring, string Kid, string Algorithm, byte[] ProtectedPrivateKey);

    internal static async Task<IReadOnlyList<Row>> ReadRowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ring, kid, algorithm, protected_private_key FROM console.signing_keys ORDER BY ring, kid", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), (byte[])reader[3]));
        }

        return rows;
    }

    private sealed class JwksRetriever : IConfigurationRetriever<JsonWebKeySet>
    {
        public async Task<JsonWebKeySet> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel) =>
            new(await retriever.GetDocumentAsync(address, cancel));
    }
}

/// <summary>Two consoles on one new database, started at once: each ring still gets exactly one first key.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SigningKeyConcurrentStartTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Two_consoles_starting_at_once_create_exactly_one_key_per_ring()
    {
        var database = await postgres.CreateEmptyDatabaseAsync();
        var starts = new[] { TestConsole.StartAsync(database, SigningKeyTests.TwoRings), TestConsole.StartAsync(database, SigningKeyTests.TwoRings) };
        var consoles = await Task.WhenAll(starts);
        try
        {
            var etags = new List<string?>();
            foreach (var console in consoles)
            {
                using var client = console.CreateClient();
                await SigningKeyTests.WaitForKeysAsync(client, "/.well-known/jwks.json", 2);
                using var response = await client.GetAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));
                etags.Add(response.Headers.ETag?.Tag);
                Assert.Equal(2, (await SigningKeyTests.GetKeysAsync(client, "/.well-known/jwks.json")).Count);
            }

            var rows = await SigningKeyTests.ReadRowsAsync(database);
            Assert.Equal(["sessions", "webhooks"], rows.Select(r => r.Ring));
            Assert.Single(etags.Distinct());
            Assert.Equal(2, (await AuditLog.ReadAsync(database, "action = 'keys.created'")).Count);
        }
        finally
        {
            foreach (var console in consoles)
            {
                await console.DisposeAsync();
            }
        }
    }
}

/// <summary>Without rings (every other test's configuration) the capability shows nothing: no keys, an empty JWKS.</summary>
[Collection(PostgresCollection.Name)]
public sealed class NoKeyRingsTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task Without_rings_the_JWKS_is_empty_and_nothing_is_stored()
    {
        using var client = Console.CreateClient();
        using var response = await client.GetAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"keys":[]}""", await response.Content.ReadAsStringAsync());
        Assert.Empty(await SigningKeyTests.ReadRowsAsync(Postgres.SharedConnectionString));
        using var ring = await client.GetAsync(new Uri("/keys/sessions/jwks.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, ring.StatusCode);
    }
}
