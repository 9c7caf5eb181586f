using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Api;

/// <summary>
/// Every operation in /openapi/v1.json, called as every role and anonymously. An operation without an entry in
/// <see cref="Matrix"/> fails the test, so a new endpoint cannot ship without deciding who may call it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ApiAccessMatrixTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly string[] SystemReaders = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall];

    /// <summary>"METHOD /path" -> roles that get 2xx; every other role gets 403, anonymous callers 401.</summary>
    private static readonly Dictionary<string, string[]> Matrix = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/me"] = [.. ConsoleRoles.All],
        ["GET /api/v1/system/stats"] = SystemReaders,
        ["GET /api/v1/users"] = [ConsoleRoles.Admin],
    };

    private TestConsole _console = default!;

    public async Task InitializeAsync()
    {
        await postgres.ResetSharedDatabaseAsync();
        _console = await TestConsole.StartAsync(postgres.SharedConnectionString);
        await _console.WaitForReadinessAsync();
    }

    public async Task DisposeAsync() => await _console.DisposeAsync();

    [Fact]
    public async Task Every_operation_answers_every_role_as_the_matrix_says()
    {
        var operations = await OperationsAsync();
        Assert.NotEmpty(operations);
        var missing = operations.Where(o => !Matrix.ContainsKey(o)).ToList();
        Assert.True(missing.Count == 0, $"operations without a role matrix entry: {string.Join(", ", missing)}");

        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in ConsoleRoles.All)
        {
            tokens[role] = await CreateTokenForNewUserAsync($"matrix-{role.ToLowerInvariant()}", role);
        }

        // The stats endpoint answers 503 until the first sample; wait for it rather than racing the sampler.
        await WaitForFirstSampleAsync(tokens[ConsoleRoles.Admin]);

        using var client = _console.CreateClient();
        var surprises = new List<string>();
        foreach (var operation in operations)
        {
            var (method, path) = Split(operation);
            using (var anonymous = await client.SendAsync(new HttpRequestMessage(method, path)))
            {
                await ExpectAsync(anonymous, HttpStatusCode.Unauthorized, $"{operation} anonymous", surprises);
            }

            foreach (var role in ConsoleRoles.All)
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[role]);
                using var response = await client.SendAsync(request);
                var allowed = Matrix[operation].Contains(role, StringComparer.Ordinal);
                await ExpectAsync(response, allowed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, $"{operation} as {role}", surprises);
            }
        }

        Assert.True(surprises.Count == 0, string.Join(Environment.NewLine, surprises));
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, string what, List<string> surprises)
    {
        if (response.StatusCode != expected)
        {
            surprises.Add($"{what}: expected {(int)expected}, got {(int)response.StatusCode}");
            return;
        }

        if (expected is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            surprises.Add($"{what}: {(int)expected} without a problem+json body");
        }

        await Task.CompletedTask;
    }

    private async Task<List<string>> OperationsAsync()
    {
        using var client = _console.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var operations = new List<string>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                operations.Add($"{method.Name.ToUpperInvariant()} {path.Name}");
            }
        }

        return operations;
    }

    private async Task<string> CreateTokenForNewUserAsync(string userName, string role)
    {
        await _console.CreateUserAsync(userName, role);
        await using var scope = _console.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync(userName);
        var created = await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(user!, "matrix", TimeSpan.FromHours(1), null);
        return created.Secret;
    }

    private async Task WaitForFirstSampleAsync(string token)
    {
        using var client = _console.CreateClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/system/stats");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request, cts.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(100, cts.Token);
        }
    }

    private static (HttpMethod Method, string Path) Split(string operation)
    {
        var space = operation.IndexOf(' ', StringComparison.Ordinal);
        return (new HttpMethod(operation[..space]), operation[(space + 1)..]);
    }
}
