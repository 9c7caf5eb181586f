using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using OpsConsole.Core.Access;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Keys;

/// <summary>
/// The sign API over real HTTP: a Signer token's claims come back as a JWS of the ring's signing key that validates
/// against the published JWKS; the console sets the times and the id; bad requests are refused naming the field.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SignApiTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?>
    {
        ["Keys:Rings:sessions:Algorithm"] = "ES256",
        ["Keys:Rings:sessions:MaxTokenLifetime"] = "8h",
        ["Keys:Rings:sessions:Grace"] = "1d",
    });

    [Fact]
    public async Task A_signer_gets_a_token_of_the_signing_key_with_its_claims_and_the_consoles_times_that_validates_through_the_JWKS()
    {
        using var signer = await ClientAsync("sampleshop-signer", ConsoleRoles.Signer);
        await SigningKeyTests.WaitForKeysAsync(signer, "/keys/sessions/jwks.json", 1);
        var before = DateTimeOffset.UtcNow;

        using var response = await signer.PostAsJsonAsync("/api/v1/keys/sessions/sign", new
        {
            claims = new { iss = JwksConsumer.Issuer, aud = JwksConsumer.Audience, sub = "customer-42", scope = new[] { "orders:read" } },
            lifetime = "15m",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var token = new JsonWebToken(body.GetProperty("token").GetString());
        Assert.Equal(("ES256", body.GetProperty("kid").GetString()), (token.Alg, token.Kid));
        Assert.Equal("customer-42", token.Subject);
        Assert.Equal(["orders:read"], token.GetPayloadValue<string[]>("scope"));
        Assert.Equal(TimeSpan.FromMinutes(15), token.ValidTo - token.IssuedAt);
        Assert.InRange(token.IssuedAt, before.UtcDateTime.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(32, token.Id.Length);

        using var http = Console.CreateClient();
        var consumer = JwksConsumer.Create(http, new Uri(Console.BaseAddress, "/keys/sessions/jwks.json"));
        Assert.Equal(token.Kid, await consumer.ValidKidAsync(token.EncodedToken));

        // Counted per caller in /metrics, not audited.
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("opsconsole_key_signatures_total{ring=\"sessions\",caller=\"sampleshop-signer\"} 1", metrics, StringComparison.Ordinal);
        Assert.Empty(await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action LIKE 'keys.sign%'"));
    }

    [Theory]
    [InlineData("""{"claims":{"sub":"a","exp":4102444800}}""", "claims.exp", "set by the console")]
    [InlineData("""{"claims":{"jti":"mine"}}""", "claims.jti", "set by the console")]
    [InlineData("""{"claims":["sub"]}""", "claims", "JSON object")]
    [InlineData("""{"lifetime":"1h"}""", "claims", "claims")]
    [InlineData("""{"claims":{"sub":"a"},"lifetime":"9h"}""", "lifetime", "MaxTokenLifetime (8h)")]
    [InlineData("""{"claims":{"sub":"a"},"lifetime":"soon"}""", "lifetime", "not a duration")]
    public async Task Bad_sign_requests_are_422_naming_the_field(string json, string field, string words)
    {
        using var signer = await ClientAsync("svc-bad", ConsoleRoles.Signer);
        using var response = await signer.PostAsync("/api/v1/keys/sessions/sign", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {text}");
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        Assert.Contains(words, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_malformed_and_misdirected_requests_get_a_problem_never_a_500()
    {
        using var signer = await ClientAsync("svc-edge", ConsoleRoles.Signer);
        var huge = "{\"claims\":{\"blob\":\"" + new string('x', 20_000) + "\"}}";
        using (var tooLarge = await signer.PostAsync("/api/v1/keys/sessions/sign", new StringContent(huge, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        }

        using (var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/v1/keys/sessions/sign") { Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge))) })
        {
            chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            chunked.Headers.TransferEncodingChunked = true;
            using var response = await signer.SendAsync(chunked);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        using (var broken = await signer.PostAsync("/api/v1/keys/sessions/sign", new StringContent("{\"claims\":{", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        }

        using (var unknown = await signer.PostAsJsonAsync("/api/v1/keys/nope/sign", new { claims = new { sub = "a" } }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // A person, even an Admin, does not sign: the role is for services' tokens.
        using var admin = await ClientAsync("admin-ada", ConsoleRoles.Admin);
        using var refused = await admin.PostAsJsonAsync("/api/v1/keys/sessions/sign", new { claims = new { sub = "a" } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private async Task<HttpClient> ClientAsync(string user, string role)
    {
        var token = await Console.CreateTokenForNewUserAsync(user, role);
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
