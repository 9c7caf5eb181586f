using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Keys;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Keys;

/// <summary>
/// SampleShop as a real consumer, two real processes over HTTP: it mints customer sessions through the sign API with a
/// Signer token and validates them with JwtBearer against the console's JWKS. A rotation's new key is published before it
/// signs, so when it takes over the shop already holds it: old and new sessions both work, nothing fails.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SampleShopSessionTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?>
    {
        ["Keys:Rings:sampleshop:Algorithm"] = "ES256",
        ["Keys:Rings:sampleshop:LeadTime"] = "1h",
        ["Keys:Rings:sampleshop:MaxTokenLifetime"] = "8h",
        ["Keys:Rings:sampleshop:Grace"] = "1d",
    });

    [Fact]
    public async Task Sessions_signed_before_and_after_a_rotation_are_served_and_counted_by_kid_with_no_failure()
    {
        using (var reader = Console.CreateClient())
        {
            await SigningKeyTests.WaitForKeysAsync(reader, "/keys/sampleshop/jwks.json", 1);
        }

        var signToken = await Console.CreateTokenForNewUserAsync("sampleshop", ConsoleRoles.Signer);
        await using var shop = await SampleShopProcess.StartAsync(await Postgres.CreateEmptyDatabaseAsync(), new Dictionary<string, string>
        {
            ["SampleShop:Sessions:ConsoleUrl"] = Console.BaseAddress.ToString(),
            ["SampleShop:Sessions:SignToken"] = signToken,
        });
        using var http = shop.CreateClient();

        // Rotate: the new key is published now and signs an hour later (the lead time). Within that hour a consumer
        // re-reads the JWKS (JwtBearer: every 5 minutes); here the shop's first authenticated call is that read.
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var ring = scope.ServiceProvider.GetRequiredService<ConfiguredKeyRings>().Find("sampleshop")!;
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<KeyRingStore>().RotateAsync(ring, immediate: false, new KeyChangeCause("test")));
        }

        var (oldSession, oldKid) = await SignInAsync(http, 7); // still the old key: the new one is pending
        Assert.Equal(7, await MeAsync(http, oldSession));

        // The hour passes at once: the activation is moved to now, so the next sign-in gets the new key, already held by the shop.
        var newKid = await ActivateNowAsync(oldKid);
        var (newSession, signedBy) = await SignInAsync(http, 9);
        Assert.Equal(newKid, signedBy);
        Assert.Equal(9, await MeAsync(http, newSession));
        Assert.Equal(7, await MeAsync(http, oldSession)); // the retired key is published for its grace

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains($"jwt_tokens_validated_total{{kid=\"{oldKid}\"}} 2", metrics, StringComparison.Ordinal);
        Assert.Contains($"jwt_tokens_validated_total{{kid=\"{newKid}\"}} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("jwt_token_validation_failures_total{", metrics, StringComparison.Ordinal);

        // A made-up token fails and is counted by reason, its kid folded into "other".
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        var payload = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"sub":"7","iss":"sampleshop","aud":"sampleshop-api","exp":4102444800}""");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", $"eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vcGUifQ.{payload}.c2ln");
        using (var response = await http.SendAsync(forged))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var after = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.True(after.Contains("jwt_token_validation_failures_total{reason=\"unknown_kid\",kid=\"other\"} 1", StringComparison.Ordinal),
            string.Join('\n', after.Split('\n').Where(l => l.StartsWith("jwt_", StringComparison.Ordinal))));
    }

    /// <summary>Moves the pending key's activation (and the old key's retirement) to now, as if the lead time had passed; the new kid.</summary>
    private async Task<string> ActivateNowAsync(string oldKid)
    {
        string newKid;
        await using (var connection = new NpgsqlConnection(Postgres.SharedConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                """
                UPDATE console.signing_keys SET activate_at = now() - interval '1 second' WHERE ring = 'sampleshop' AND kid <> @old RETURNING kid;
                """, connection);
            command.Parameters.AddWithValue("old", oldKid);
            newKid = (string)(await command.ExecuteScalarAsync())!;
            await using var retire = new NpgsqlCommand(
                "UPDATE console.signing_keys SET retire_at = now() - interval '1 second', remove_at = now() + interval '1 day' WHERE ring = 'sampleshop' AND kid = @old", connection);
            retire.Parameters.AddWithValue("old", oldKid);
            Assert.Equal(1, await retire.ExecuteNonQueryAsync());
        }

        await Console.Services.GetRequiredService<JwksCache>().RebuildAsync(CancellationToken.None);
        return newKid;
    }

    private static async Task<(string Token, string Kid)> SignInAsync(HttpClient shop, int customer)
    {
        using var response = await shop.PostAsJsonAsync(new Uri("/api/sessions", UriKind.Relative), new { customerId = customer });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("token").GetString()!, body.RootElement.GetProperty("kid").GetString()!);
    }

    private static async Task<int> MeAsync(HttpClient shop, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await shop.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.Headers.WwwAuthenticate}: {text}");
        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("id").GetInt32();
    }
}
