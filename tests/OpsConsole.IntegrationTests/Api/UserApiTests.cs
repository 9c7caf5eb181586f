using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Web.Features.Identity;

namespace OpsConsole.IntegrationTests.Api;

[Collection(PostgresCollection.Name)]
public sealed class UserApiTests(PostgresFixture postgres) : ConsoleTest(postgres)
{

    [Fact]
    public async Task Bad_input_gets_422_naming_the_field_and_good_input_creates_the_user()
    {
        using var api = await AdminTokenClientAsync();

        using var badRole = await api.PostAsJsonAsync("/api/v1/users", new { userName = "frank", role = "Wizard" });
        await AssertProblemAsync(badRole, HttpStatusCode.UnprocessableEntity, "role");

        using var noName = await api.PostAsJsonAsync("/api/v1/users", new { userName = " ", role = "Viewer" });
        await AssertProblemAsync(noName, HttpStatusCode.UnprocessableEntity, "userName");

        using var notJson = await api.PostAsync(new Uri("/api/v1/users", UriKind.Relative), new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);

        using var created = await api.PostAsJsonAsync("/api/v1/users", new { userName = "frank", role = "viewer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var otp = await created.Content.ReadFromJsonAsync<OneTimePasswordResponse>();
        Assert.Equal("frank", otp!.UserName);
        Assert.Equal(20, otp.OneTimePassword.Length);

        using var duplicate = await api.PostAsJsonAsync("/api/v1/users", new { userName = "frank", role = "Viewer" });
        await AssertProblemAsync(duplicate, HttpStatusCode.UnprocessableEntity, "userName");
    }

    [Fact]
    public async Task A_user_name_Identity_refuses_is_told_once_in_words_naming_the_field()
    {
        using var api = await AdminTokenClientAsync();

        using var badName = await api.PostAsJsonAsync("/api/v1/users", new { userName = "bad name", role = "Viewer" });
        await AssertProblemAsync(badName, HttpStatusCode.UnprocessableEntity, "userName");
        Assert.Equal("User name may contain only letters, digits and - . _ @ +", await DetailAsync(badName));

        using var created = await api.PostAsJsonAsync("/api/v1/users", new { userName = "grace", role = "Viewer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var duplicate = await api.PostAsJsonAsync("/api/v1/users", new { userName = "grace", role = "Viewer" });
        Assert.Equal("A user named 'grace' already exists.", await DetailAsync(duplicate));
    }

    [Fact]
    public async Task Cookie_callers_need_an_antiforgery_token_for_changes_but_not_for_reads()
    {
        var (client, _) = await Console.SignInNewUserAsync("cookie-admin", ConsoleRoles.Admin);
        using (client)
        {
            using var read = await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);

            using var forged = await client.PostAsJsonAsync("/api/v1/users", new { userName = "csrf-victim", role = "Admin" });
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.Contains("Antiforgery token required", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using var scope = Console.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("csrf-victim"));
    }

    private async Task<HttpClient> AdminTokenClientAsync()
    {
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Console.CreateTokenAsync("admin"));
        return client;
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("detail").GetString();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(field, body.RootElement.GetProperty("field").GetString());
    }
}
