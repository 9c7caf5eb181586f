using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Data;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_seed_roles_and_the_bootstrap_admin()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync();
        await using var console = await TestConsole.StartAsync(connectionString);
        await console.WaitForReadinessAsync();

        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(ConsoleRoles.All.Count, await db.Roles.CountAsync());
        var admin = await db.Users.SingleAsync();
        Assert.Equal("admin", admin.UserName);
        Assert.True(admin.MustChangePassword);

        // ConnectionStrings:Console is set, so no embedded cluster was created under the data directory.
        Assert.False(Directory.Exists(Path.Combine(console.DataDirectory, "postgres")));

        var passwordFile = Path.Combine(console.DataDirectory, "initial-admin-password");
        Assert.True(File.Exists(passwordFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
    }

    [Fact]
    public async Task Two_hosts_migrating_the_same_empty_database_concurrently_both_succeed()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync();

        var starting = new[] { TestConsole.StartAsync(connectionString), TestConsole.StartAsync(connectionString) };
        var consoles = await Task.WhenAll(starting);
        try
        {
            await Task.WhenAll(consoles.Select(c => c.WaitForReadinessAsync()));

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var history = new NpgsqlCommand(
                "SELECT count(*), count(DISTINCT \"MigrationId\") FROM console.\"__EFMigrationsHistory\"", connection);
            await using var reader = await history.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(reader.GetInt64(0), reader.GetInt64(1)); // no migration recorded twice
            Assert.True(reader.GetInt64(0) > 0);
            await reader.CloseAsync();

            await using var users = new NpgsqlCommand("SELECT count(*) FROM console.\"AspNetUsers\" WHERE \"UserName\" = 'admin'", connection);
            Assert.Equal(1L, await users.ExecuteScalarAsync());
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
