using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpsConsole.Core.Access;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Web.Features.Identity;

namespace OpsConsole.IntegrationTests.Api;

[Collection(PostgresCollection.Name)]
public sealed class DisplayApiTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task Create_returns_the_code_and_a_pairing_url_once_and_the_list_never_shows_it()
    {
        using var api = await TokenClientAsync("api-admin", ConsoleRoles.Admin);

        using var created = await api.PostAsJsonAsync("/api/v1/displays", new { name = "  NOC left  " });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var pairing = (await created.Content.ReadFromJsonAsync<PairingCodeResponse>())!;
        Assert.Equal("NOC left", pairing.Name);
        Assert.Matches("^[A-Z2-9]{5}-[A-Z2-9]{5}$", pairing.Code);
        Assert.Equal(new Uri(Console.BaseAddress, $"/display/pair?code={pairing.Code}"), new Uri(pairing.PairingUrl));
        Assert.InRange(pairing.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));

        var listText = await api.GetStringAsync(new Uri("/api/v1/displays", UriKind.Relative));
        Assert.DoesNotContain(pairing.Code, listText, StringComparison.Ordinal);
        var listed = Assert.Single(JsonDocument.Parse(listText).RootElement.EnumerateArray());
        Assert.Equal("pending", listed.GetProperty("status").GetString());
        Assert.Equal("api-admin", listed.GetProperty("createdBy").GetString());
    }

    [Fact]
    public async Task A_bad_name_gets_422_naming_the_field_and_an_unknown_id_404()
    {
        using var api = await TokenClientAsync("api-admin", ConsoleRoles.Admin);

        using var blank = await api.PostAsJsonAsync("/api/v1/displays", new { name = " " });
        await AssertProblemAsync(blank, HttpStatusCode.UnprocessableEntity, "name");
        using var missing = await api.PostAsJsonAsync("/api/v1/displays", new { });
        await AssertProblemAsync(missing, HttpStatusCode.UnprocessableEntity, "name");
        using var tooLong = await api.PostAsJsonAsync("/api/v1/displays", new { name = new string('x', 101) });
        await AssertProblemAsync(tooLong, HttpStatusCode.UnprocessableEntity, "name");

        using var unknown = await api.DeleteAsync(new Uri($"/api/v1/displays/{Guid.NewGuid()}", UriKind.Relative));
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, field: null);
        using var unknownCode = await api.PostAsync(new Uri($"/api/v1/displays/{Guid.NewGuid()}/pairing-code", UriKind.Relative), null);
        await AssertProblemAsync(unknownCode, HttpStatusCode.NotFound, field: null);
    }

    [Fact]
    public async Task Revoke_then_a_new_code_and_a_paired_display_needs_revoking_before_a_new_code()
    {
        using var api = await TokenClientAsync("api-admin", ConsoleRoles.Admin);
        using var created = await api.PostAsJsonAsync("/api/v1/displays", new { name = "Kiosk" });
        var pairing = (await created.Content.ReadFromJsonAsync<PairingCodeResponse>())!;

        using var tv = Console.CreateClient(new CookieContainer());
        (await ConsoleSession.PostFormAsync(tv, $"/display/pair?code={pairing.Code}", "pair", new() { ["Input.Code"] = pairing.Code })).Dispose();
        using var whilePaired = await api.PostAsync(new Uri($"/api/v1/displays/{pairing.Id}/pairing-code", UriKind.Relative), null);
        await AssertProblemAsync(whilePaired, HttpStatusCode.UnprocessableEntity, "id");

        using (var revoked = await api.DeleteAsync(new Uri($"/api/v1/displays/{pairing.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using (var again = await api.DeleteAsync(new Uri($"/api/v1/displays/{pairing.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode); // idempotent
        }

        var listed = Assert.Single((await api.GetFromJsonAsync<JsonElement>("/api/v1/displays")).EnumerateArray());
        Assert.Equal("revoked", listed.GetProperty("status").GetString());
        Assert.Equal("api-admin", listed.GetProperty("revokedBy").GetString());

        using var fresh = await api.PostAsync(new Uri($"/api/v1/displays/{pairing.Id}/pairing-code", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(pairing.Code, (await fresh.Content.ReadFromJsonAsync<PairingCodeResponse>())!.Code);
    }

    [Fact]
    public async Task Non_admins_get_403_and_nothing_is_created()
    {
        using var sre = await TokenClientAsync("api-sre", ConsoleRoles.Sre);
        using var display = await TokenClientAsync("api-display-user", ConsoleRoles.Display);

        using var denied = await sre.PostAsJsonAsync("/api/v1/displays", new { name = "Sneaky" });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        using var deniedList = await display.GetAsync(new Uri("/api/v1/displays", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, deniedList.StatusCode);

        using var admin = await TokenClientAsync("api-admin", ConsoleRoles.Admin);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/v1/displays")).EnumerateArray());
    }

    private async Task<HttpClient> TokenClientAsync(string userName, string role)
    {
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Console.CreateTokenForNewUserAsync(userName, role));
        return client;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (field is not null)
        {
            Assert.Equal(field, body.RootElement.GetProperty("field").GetString());
        }
    }
}
