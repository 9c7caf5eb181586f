using OpsConsole.Core.Access;
using OpsConsole.Core.Live;
using OpsConsole.Core.Audit;
using System.CommandLine;
using OpsConsole.Core.Data;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Admin;

/// <summary>
/// `admin` subcommands: the same configuration and database as the console, without the web server.
/// With the embedded cluster they attach to the running one, or start and stop it for the command.
/// </summary>
public static class AdminCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Operations Console administration (run as: ./run.sh admin <command>)");

        var migrate = new Command("migrate", "Apply the console's database migrations and exit.");
        migrate.SetAction((_, ct) => WithServicesAsync(async (services, token) =>
        {
            var applied = await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(token);
            Console.WriteLine(applied.Count == 0 ? "Schema is current; nothing to apply." : $"Applied: {string.Join(", ", applied)}");
            return 0;
        }, ct));
        root.Subcommands.Add(migrate);

        var userOption = new Option<string>("--user") { Description = "User name", Required = true };
        var roleOption = new Option<string>("--role") { Description = $"One of: {string.Join(", ", ConsoleRoles.All)}", Required = true };
        var createUser = new Command("create-user", "Create a local account with a role; prints its one-time password.") { userOption, roleOption };
        createUser.SetAction((parse, ct) => WithAccountsAsync(async accounts =>
        {
            var otp = await accounts.CreateUserAuditedAsync(AuditActors.Cli, parse.GetRequiredValue(userOption), parse.GetRequiredValue(roleOption));
            PrintOneTimePassword(otp);
            return 0;
        }, ct));
        root.Subcommands.Add(createUser);

        var resetUserOption = new Option<string>("--user") { Description = "User name", Required = true };
        var resetPassword = new Command("reset-password", "Give an account a new one-time password (unlocks it, ends its sessions).") { resetUserOption };
        resetPassword.SetAction((parse, ct) => WithAccountsAsync(async accounts =>
        {
            PrintOneTimePassword(await accounts.ResetPasswordAuditedAsync(AuditActors.Cli, parse.GetRequiredValue(resetUserOption)));
            return 0;
        }, ct));
        root.Subcommands.Add(resetPassword);

        var tokenUserOption = new Option<string>("--user") { Description = "User the token acts as", Required = true };
        var tokenRoleOption = new Option<string[]>("--role")
        {
            Description = "Narrow the token to these roles (repeatable); default: all of the user's roles",
            AllowMultipleArgumentsPerToken = true,
        };
        var expiresOption = new Option<string>("--expires") { Description = "Lifetime: 30m, 12h, 1d, 90d, 1y (at most 366d)", DefaultValueFactory = _ => "30d" };
        var nameOption = new Option<string?>("--name") { Description = "A name to recognise the token by (default: cli-<time>)" };
        var createToken = new Command("create-token", "Create a personal API token and print it (shown only once).")
        {
            tokenUserOption, tokenRoleOption, expiresOption, nameOption,
        };
        createToken.SetAction((parse, ct) => WithServicesAsync(async (services, token) =>
        {
            if (!ApiTokenLifetime.TryParse(parse.GetValue(expiresOption), out var lifetime))
            {
                Console.Error.WriteLine("error: --expires takes a number and a unit: m, h, d, w or y (e.g. 1d, 90d)");
                return 1;
            }

            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(token);
            await using var scope = services.CreateAsyncScope();
            var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var userName = parse.GetRequiredValue(tokenUserOption);
            var user = await userManager.FindByNameAsync(userName) ?? throw new InvalidOperationException($"No user named '{userName}'.");
            var name = parse.GetValue(nameOption) ?? $"cli-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
            var created = await scope.ServiceProvider.GetRequiredService<ApiTokenService>()
                .CreateAsync(user, name, lifetime, parse.GetValue(tokenRoleOption), token, actor: AuditActors.Cli);
            Console.WriteLine(created.Secret);
            Console.Error.WriteLine($"token '{created.Token.Name}' for {userName}, expires {created.Token.ExpiresAt:u}; use it as: Authorization: Bearer <token>");
            return 0;
        }, ct));
        root.Subcommands.Add(createToken);

        return await root.Parse(args).InvokeAsync();
    }

    private static void PrintOneTimePassword(OneTimePassword otp)
    {
        Console.WriteLine($"user: {otp.UserName}");
        Console.WriteLine($"one-time password: {otp.Password}");
        Console.WriteLine("It must be changed at first sign-in.");
    }

    private static Task<int> WithAccountsAsync(Func<AccountService, Task<int>> action, CancellationToken cancellationToken) =>
        WithServicesAsync(async (services, token) =>
        {
            await using var scope = services.CreateAsyncScope();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(token, async _ =>
            {
                // Same seeding as the console: on a brand-new database the admin account must exist too.
                if (await accounts.EnsureBootstrapAdminAsync() is { } admin)
                {
                    Console.WriteLine("The console had no accounts; created the bootstrap administrator:");
                    PrintOneTimePassword(admin);
                }
            });
            return await action(accounts);
        }, cancellationToken);

    private static async Task<int> WithServicesAsync(Func<IServiceProvider, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        var builder = ConsoleApp.CreateBuilder([]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter((_, _, level) => level >= LogLevel.Warning);
        var dataDirectory = ConsoleApp.ResolveDataDirectory(builder.Configuration, builder.Environment.ContentRootPath);
        // Commands print their results; the host's information logs would only bury them.
        using var bootLoggers = ConsoleApp.BootLoggerFactory(builder.Configuration, LogLevel.Warning);
        try
        {
            await using var database = await ConsoleDatabaseConnection.ResolveAsync(
                builder.Configuration, dataDirectory, attachToRunning: true, bootLoggers.CreateLogger("OpsConsole.Admin"), cancellationToken);
            builder.AddConsoleData(database.Connections);
            builder.AddConsoleIdentity(dataDirectory);
            builder.AddConsoleAudit(dataDirectory); // CLI actions are audited too; its writer is not started, the console's chains them
            builder.Services.AddLiveEvents(); // in-process only: the CLI has no subscribers
            await using var services = builder.Services.BuildServiceProvider();
            return await action(services, cancellationToken);
        }
        catch (Exception ex) when (ex is StartupException or InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }
}
