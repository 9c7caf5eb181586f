using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>The IAuditTrail hook sees denials and administrative actions (the audit log issue gives it storage).</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditHookTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly CapturingAuditTrail _audit = new();
    private TestConsole _console = default!;

    public async Task InitializeAsync()
    {
        await postgres.ResetSharedDatabaseAsync();
        _console = await TestConsole.StartAsync(postgres.SharedConnectionString, services: s => s.AddSingleton<IAuditTrail>(_audit));
        await _console.WaitForReadinessAsync();
    }

    public async Task DisposeAsync() => await _console.DisposeAsync();

    [Fact]
    public async Task Api_and_page_denials_and_user_administration_reach_the_audit_hook()
    {
        using var anonymous = _console.CreateClient();
        (await anonymous.GetAsync(new Uri("/api/v1/users", UriKind.Relative))).Dispose();
        Assert.Contains(_audit.Entries, e => e.Action == "access.unauthenticated" && e.TargetId == "GET /api/v1/users" && e.Outcome == "denied");

        var viewerToken = await TokenAsync("audit-viewer", ConsoleRoles.Viewer);
        using var viewer = _console.CreateClient();
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", viewerToken);
        using (var denied = await viewer.GetAsync(new Uri("/api/v1/users", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        Assert.Contains(_audit.Entries, e => e.Action == "access.forbidden" && e.Actor.Identity?.Name == "audit-viewer");

        var (page, _) = await _console.SignInNewUserAsync("audit-page-viewer", ConsoleRoles.Viewer);
        using (page)
        {
            (await page.GetAsync(new Uri("/system", UriKind.Relative))).Dispose();
        }

        Assert.Contains(_audit.Entries, e => e.Action == "access.forbidden" && e.Actor.Identity?.Name == "audit-page-viewer" && e.TargetId == "GET /system");

        var adminToken = await TokenAsync("audit-admin", ConsoleRoles.Admin);
        using var admin = _console.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using (var created = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "audited", role = "Viewer" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Contains(_audit.Entries, e => e.Action == "identity.user.created" && e.Actor.Identity?.Name == "audit-admin" && e.Outcome == "succeeded");
    }

    private async Task<string> TokenAsync(string userName, string role)
    {
        await _console.CreateUserAsync(userName, role);
        await using var scope = _console.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync(userName);
        return (await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(user!, "audit", TimeSpan.FromHours(1), null)).Secret;
    }

    private sealed class CapturingAuditTrail : IAuditTrail
    {
        private readonly ConcurrentQueue<AuditEntry> _entries = new();

        public IReadOnlyCollection<AuditEntry> Entries => [.. _entries];

        public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
        {
            _entries.Enqueue(entry);
            return Task.CompletedTask;
        }
    }
}
