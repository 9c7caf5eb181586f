using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>The IAuditTrail hook sees denials and administrative actions (the audit log issue gives it storage).</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditHookTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private readonly CapturingAuditTrail _audit = new();

    protected override Task<TestConsole> StartConsoleAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, services: s => s.AddSingleton<IAuditTrail>(_audit));

    [Fact]
    public async Task Api_and_page_denials_and_user_administration_reach_the_audit_hook()
    {
        using var anonymous = Console.CreateClient();
        (await anonymous.GetAsync(new Uri("/api/v1/users", UriKind.Relative))).Dispose();
        Assert.Contains(_audit.Entries, e => e.Action == "access.unauthenticated" && e.TargetId == "GET /api/v1/users" && e.Outcome == "denied");

        var viewerToken = await Console.CreateTokenForNewUserAsync("audit-viewer", ConsoleRoles.Viewer);
        using var viewer = Console.CreateClient();
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", viewerToken);
        using (var denied = await viewer.GetAsync(new Uri("/api/v1/users", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        Assert.Contains(_audit.Entries, e => e.Action == "access.forbidden" && e.Actor.Identity?.Name == "audit-viewer");

        var (page, _) = await Console.SignInNewUserAsync("audit-page-viewer", ConsoleRoles.Viewer);
        using (page)
        {
            (await page.GetAsync(new Uri("/system", UriKind.Relative))).Dispose();
        }

        Assert.Contains(_audit.Entries, e => e.Action == "access.forbidden" && e.Actor.Identity?.Name == "audit-page-viewer" && e.TargetId == "GET /system");

        var adminToken = await Console.CreateTokenForNewUserAsync("audit-admin", ConsoleRoles.Admin);
        using var admin = Console.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using (var created = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "audited", role = "Viewer" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Contains(_audit.Entries, e => e.Action == "identity.user.created" && e.Actor.Identity?.Name == "audit-admin" && e.Outcome == "succeeded");
    }
}
