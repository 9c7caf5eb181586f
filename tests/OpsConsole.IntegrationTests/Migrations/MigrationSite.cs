using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Migrations;

/// <summary>
/// A managed database with a migrations folder, as the migration tests see it: the console's settings for it, the
/// files a test writes, and the target's history table and schema read straight from PostgreSQL.
/// </summary>
public sealed class MigrationSite : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("opsconsole-migrations-");

    public MigrationSite(string name, string connectionString)
    {
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The superuser on the target database, unpooled (no session outlives a test's look).</summary>
    public string ConnectionString { get; }

    public string Folder => _folder.FullName;

    public string DatabaseName => new NpgsqlConnectionStringBuilder(ConnectionString).Database!;

    /// <summary>
    /// <c>ManagedDatabases:&lt;name&gt;</c>: a yearly schedule (with <c>Backups:CatchUp</c> off, no backup runs by
    /// itself), this folder, a 1 s lock_timeout unless <paramref name="extra"/> says otherwise.
    /// </summary>
    public Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var prefix = $"ManagedDatabases:{Name}:";
        var settings = new Dictionary<string, string?>
        {
            [prefix + "ConnectionString"] = ConnectionString,
            [prefix + "Schedule"] = "0 0 1 1 *",
            [prefix + "Migrations:Path"] = Folder,
            [prefix + "Migrations:LockTimeout"] = "1s",
        };
        foreach (var (key, value) in extra)
        {
            settings[prefix + key] = value;
        }

        return settings;
    }

    /// <summary>Writes (or rewrites) a file; returns its checksum as the console computes it.</summary>
    public string Write(string file, string sql)
    {
        File.WriteAllText(Path.Combine(Folder, file), sql);
        return MigrationFiles.Checksum(sql);
    }

    public void Delete(string file) => File.Delete(Path.Combine(Folder, file));

    /// <summary>Applies the named files with the runner alone, as another tool on the same database would (no console, no backup).</summary>
    public async Task ApplyDirectlyAsync(params string[] files)
    {
        var folder = MigrationFiles.Read(Folder);
        var steps = files.Select(f => folder.Migrations.Single(m => m.FileName == f)).ToList();
        using var context = new RecordingOperationContext();
        var outcomes = await MigrationRunner.RunAsync(
            new NpgsqlConnectionStringBuilder(ConnectionString), steps,
            new MigrationRunSettings(TimeSpan.FromSeconds(5), TimeSpan.Zero, "test-setup", null, "migration tests setup"), context);
        Assert.Equal(files.Length, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
    }

    public async Task<IReadOnlyList<HistoryRow>> HistoryAsync()
    {
        await using var connection = await OpenAsync();
        return await MigrationHistory.ReadAsync(connection, CancellationToken.None);
    }

    /// <summary>Whether a table, index or other relation exists (a name as <c>to_regclass</c> reads it).</summary>
    public Task<bool> ExistsAsync(string relation) => ScalarAsync<bool>("SELECT to_regclass($1) IS NOT NULL", relation);

    public Task<bool> ColumnExistsAsync(string table, string column) =>
        ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2)", table, column);

    /// <summary>The scratch databases a rehearsal of this database would create (left over if any).</summary>
    public async Task<IReadOnlyList<string>> RehearsalCopiesAsync()
    {
        await using var connection = await OpenAsync("postgres");
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, $1 || '__rehearse_')", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = DatabaseName });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A session on the target (or on <paramref name="database"/> of its server) named <paramref name="application"/>; the caller closes it.</summary>
    public async Task<NpgsqlConnection> OpenAsync(string? database = null, string application = "migration-tests")
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = application };
        if (database is not null)
        {
            builder.Database = database;
        }

        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public void Dispose() => _folder.Delete(recursive: true);
}

/// <summary>What the migration tests ask of a console: its API as JSON, its operations waited for, its services.</summary>
public static class MigrationConsole
{
    public static readonly System.Security.Claims.ClaimsPrincipal Reader = TestPrincipals.Of("migration-reader", ConsoleRoles.Sre, "user-migration-reader");

    public static Task<JsonElement> MigrationsAsync(this HttpClient client, string database) => client.GetJsonAsync($"/api/v1/databases/{database}/migrations");

    /// <summary>One migration of a GET .../migrations answer, by version.</summary>
    public static JsonElement Migration(this JsonElement status, string version) =>
        status.GetProperty("migrations").EnumerateArray().Single(m => m.GetProperty("version").GetString() == version);

    public static IReadOnlyList<(string Version, string State)> States(this JsonElement status) =>
        [.. status.GetProperty("migrations").EnumerateArray().Select(m => (m.GetProperty("version").GetString()!, m.GetProperty("state").GetString()!))];

    public static Task<HttpResponseMessage> PostMigrationsAsync(this HttpClient client, string database, string action, object? body = null) =>
        client.PostJsonAsync($"/api/v1/databases/{database}/migrations/{action}", body ?? new { });

    /// <summary>Posts an action that must be accepted; returns the operation's id.</summary>
    public static async Task<Guid> AcceptedAsync(this HttpClient client, string database, string action, object? body = null)
    {
        using var response = await client.PostMigrationsAsync(database, action, body);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"POST {action} on {database}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        return await response.JsonAsync();
    }

    /// <summary>The run's record (GET /api/v1/migration-runs/{id}).</summary>
    public static Task<JsonElement> RunAsync(this HttpClient client, Guid id) => client.GetJsonAsync($"/api/v1/migration-runs/{id}");

    /// <summary>A 4xx problem: its status, the field it names (if any) and its detail.</summary>
    public static async Task<(int Status, string? Field, string Detail)> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        return ((int)response.StatusCode, problem.TryGetProperty("field", out var field) ? field.GetString() : null, problem.GetProperty("detail").GetString() ?? "");
    }

    public static async Task<OperationView> WaitForFinalAsync(this TestConsole console, Guid id, TimeSpan? timeout = null)
    {
        OperationView? last = null;
        await AlertTesting.WaitUntilAsync(async () => (last = await console.OperationAsync(id)).IsFinal, $"operation {id} to finish", timeout ?? TimeSpan.FromSeconds(60));
        return last!;
    }

    public static async Task<OperationView> OperationAsync(this TestConsole console, Guid id)
    {
        await using var scope = console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OperationService>().GetAsync(Reader, id) ?? throw new InvalidOperationException($"no operation {id}");
    }

    public static async Task<IReadOnlyList<OperationLogEntry>> LogAsync(this TestConsole console, Guid id)
    {
        await using var scope = console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OperationService>().ReadLogAsync(Reader, id);
    }

    public static async Task<T> ServiceAsync<TService, T>(this TestConsole console, Func<TService, Task<T>> call) where TService : notnull
    {
        await using var scope = console.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>The details of an audit record as a JSON object.</summary>
    public static JsonElement Details(this Core.Audit.AuditRecord record)
    {
        using var document = JsonDocument.Parse(record.Details);
        return document.RootElement.Clone();
    }
}
