using Npgsql;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Backups.Engine;

/// <summary>What the Databases page reads about a managed database, and the short messages when it cannot.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseProbeTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Reads_version_size_and_the_other_sessions()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        await using var other = new NpgsqlConnection(connectionString);
        await other.OpenAsync();

        var info = await DatabaseProbe.ReadAsync(connectionString, CancellationToken.None);

        Assert.Equal(EngineTestData.DatabaseOf(connectionString), info.Database);
        Assert.Equal(other.PostgreSqlVersion.Major, info.ServerVersion.Major);
        Assert.Equal(await EngineTestData.ScalarAsync(connectionString, "SELECT pg_database_size(current_database())"), info.SizeBytes);
        Assert.Equal(1, info.Connections);
    }

    [Fact]
    public async Task A_wrong_password_names_user_and_server_but_not_the_password()
    {
        const string WrongPassword = "definitely-wrong-0815";
        var builder = new NpgsqlConnectionStringBuilder(await EngineTestData.CreateShopAsync(postgres)) { Password = WrongPassword };

        var failure = await Assert.ThrowsAsync<DatabaseConnectionException>(() => DatabaseProbe.ReadAsync(builder.ConnectionString, CancellationToken.None));

        Assert.Equal(ConnectionProblem.AuthenticationFailed, failure.Problem);
        Assert.Equal($"password authentication failed for user \"{builder.Username}\" at 127.0.0.1:{builder.Port}", failure.Message);
        Assert.DoesNotContain(WrongPassword, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_port_and_a_missing_database_are_named()
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres.WithDatabase("postgres"));
        var port = EngineTestData.UnusedPort();

        var unreachable = await Assert.ThrowsAsync<DatabaseConnectionException>(() =>
            DatabaseProbe.ReadAsync(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Port = port }.ConnectionString, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<DatabaseConnectionException>(() =>
            DatabaseProbe.ReadAsync(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Database = "no_such_db" }.ConnectionString, CancellationToken.None));

        Assert.Equal(ConnectionProblem.Unreachable, unreachable.Problem);
        Assert.Equal($"could not reach 127.0.0.1:{port}: connection refused (is PostgreSQL running and listening there?)", unreachable.Message);
        Assert.Equal(ConnectionProblem.DatabaseMissing, missing.Problem);
        Assert.Equal($"database \"no_such_db\" does not exist at 127.0.0.1:{builder.Port}", missing.Message);
    }
}
