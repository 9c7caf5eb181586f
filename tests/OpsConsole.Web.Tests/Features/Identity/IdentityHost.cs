using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Tests.Features.Identity;

/// <summary>
/// The real console host for the identity pages: its own embedded PostgreSQL, the real account services, their policy
/// checks and audit. One per test run; tests create the accounts they need under names of their own.
/// </summary>
public sealed class IdentityHost : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("opsconsole-identity-ui-");
    private ConsoleApp? _app;

    public IServiceProvider Services => _app!.App.Services;

    /// <summary>The bootstrap administrator, as the pages' caller.</summary>
    public ClaimsPrincipal Admin { get; private set; } = new();

    public async Task InitializeAsync()
    {
        _app = await ConsoleApp.CreateAsync(
            ["--urls", "http://127.0.0.1:0"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Console"] = "", // embedded PostgreSQL under the data directory
                ["Storage:DataDirectory"] = _dataDirectory.FullName,
                ["Demo:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:Console:FormatterName"] = "simple",
            }));
        await _app.App.StartAsync();
        var admin = await WaitForBootstrapAdminAsync();
        Admin = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, admin.Id), new Claim(ClaimTypes.Name, admin.UserName!), new Claim(ClaimTypes.Role, ConsoleRoles.Admin)], "test"));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.App.StopAsync();
            await _app.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        OpsConsole.Core.Data.NamedDataSources.ClearAll();
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory; harmless if a file is still open.
        }
    }

    /// <summary>
    /// Lets a page's own scopes (it injects IServiceScopeFactory, which bunit's container owns) reach the host's services:
    /// each bunit scope opens one host scope and resolves the listed services there.
    /// </summary>
    public void Forward(IServiceCollection services, params Type[] scopedTypes)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddScoped(_ => new HostScope(Services.CreateAsyncScope()));
        foreach (var type in scopedTypes)
        {
            services.AddScoped(type, sp => sp.GetRequiredService<HostScope>().Scope.ServiceProvider.GetRequiredService(type));
        }
    }

    /// <summary>A new local account; its id.</summary>
    public async Task<string> CreateUserAsync(string userName, string role)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync(userName, role);
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync(userName))!.Id;
    }

    public async Task<ConsoleUser> FindAsync(string userName)
    {
        await using var scope = Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync(userName))!;
    }

    // The host seeds the admin once migrations are applied, which its start waits for only so long on a busy machine.
    private async Task<ConsoleUser> WaitForBootstrapAdminAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            try
            {
                if (await FindAsync(AccountService.BootstrapAdminUserName) is { } admin)
                {
                    return admin;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // Not migrated yet.
            }

            await Task.Delay(200, deadline.Token);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class IdentityHostCollection : ICollectionFixture<IdentityHost>
{
    /// <summary>The identity page tests share one host.</summary>
    public const string Name = "identity-host";
}

/// <summary>A host scope owned by a bunit scope, disposed with it.</summary>
public sealed class HostScope(AsyncServiceScope scope) : IAsyncDisposable
{
    public AsyncServiceScope Scope => scope;

    public ValueTask DisposeAsync() => scope.DisposeAsync();
}
