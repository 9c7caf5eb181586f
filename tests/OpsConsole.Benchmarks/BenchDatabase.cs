using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;

namespace OpsConsole.Benchmarks;

/// <summary>A private embedded PostgreSQL in a temp directory, migrated, with the console's owner/runtime role split.</summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;

    private BenchDatabase(DirectoryInfo directory, EmbeddedPostgres server, ConsoleConnectionStrings connections)
    {
        _directory = directory;
        Server = server;
        Connections = connections;
    }

    public EmbeddedPostgres Server { get; }

    public ConsoleConnectionStrings Connections { get; }

    public static async Task<BenchDatabase> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("opsconsole-bench-");
        var server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = directory.FullName, StartTimeout = TimeSpan.FromSeconds(60) }, NullLogger.Instance);
        var runtime = await ConsoleRuntimeRole.EnsureEmbeddedAsync(server.ConnectionString, directory.FullName, CancellationToken.None);
        var connections = new ConsoleConnectionStrings(runtime, server.ConnectionString);
        await new DatabaseMigrator(connections, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return new BenchDatabase(directory, server, connections);
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await Server.DisposeAsync();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory.
        }
    }
}
