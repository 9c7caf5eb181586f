using Npgsql;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// The two steps every restore shares (the drill's, and the restore issue's): an empty database shaped like the source
/// (template0, same encoding and locale, same owner when we may set it), and pg_restore into it with progress per table.
/// </summary>
public static class PgRestore
{
    /// <summary>
    /// CREATE DATABASE <paramref name="name"/> from template0 with <paramref name="source"/>'s encoding and locale (when
    /// the source exists). Returns the source's owner, or null.
    /// </summary>
    public static async Task<string?> CreateDatabaseLikeAsync(NpgsqlConnection admin, string source, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(admin);
        string? options = null;
        string? owner = null;
        await using (var read = new NpgsqlCommand(
            "SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", admin))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = source });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                options = $" ENCODING {Literal(reader.GetString(0))} LC_COLLATE {Literal(reader.GetString(1))} LC_CTYPE {Literal(reader.GetString(2))}";
                owner = reader.GetString(3);
            }
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE {TableKey.QuoteIdentifier(name)} TEMPLATE template0{options}", admin);
        await create.ExecuteNonQueryAsync(ct);
        return owner;
    }

    /// <summary>
    /// pg_restore <paramref name="dumpPath"/> into <paramref name="target"/>'s database, reporting per table from
    /// <c>--verbose</c> (weighted by the manifest's rows) inside <paramref name="from"/>..<paramref name="to"/> of the
    /// operation's progress. <paramref name="keepOwnership"/> restores owners and privileges (needs a superuser);
    /// otherwise everything belongs to the restoring role. Returns null, or the failure in words.
    /// </summary>
    public static async Task<string?> RunAsync(
        PgClientTools tools, NpgsqlConnectionStringBuilder target, string dumpPath, IReadOnlyDictionary<string, long> manifest,
        IOperationContext ctx, bool keepOwnership = false, double from = 0, double to = 0.95, string? stepPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(ctx);
        var printedToKey = new Dictionary<string, string>(StringComparer.Ordinal);
        var weights = new List<KeyValuePair<string, long>>();
        foreach (var (key, rows) in manifest)
        {
            var (schema, table) = TableKey.Parse(key);
            printedToKey[schema + "." + table] = key;
            weights.Add(KeyValuePair.Create(schema + "." + table, rows));
        }

        var progress = new TableProgress(weights);
        List<string> arguments = ["--verbose", "--exit-on-error", "--dbname=" + PgToolEnvironment.DatabaseArgument(target.Database ?? ""), dumpPath];
        if (!keepOwnership)
        {
            arguments.InsertRange(1, ["--no-owner", "--no-privileges"]);
        }

        using var pgRestore = PgToolProcess.Start(
            tools.PgRestore,
            arguments,
            target,
            line =>
            {
                if (PgVerboseOutput.TableOf(line) is { } printed)
                {
                    var name = printedToKey.GetValueOrDefault(printed, printed);
                    ctx.Progress(from + (progress.Start(printed) * (to - from)), $"{stepPrefix}restoring {name}");
                    ctx.Log($"restoring {name}");
                }
                else if (PgVerboseOutput.IsError(line))
                {
                    ctx.Log(line, OperationLogLevel.Error);
                }
            });
        await using var kill = ctx.Cancellation.Register(pgRestore.Kill);
        _ = await new StreamReader(pgRestore.StandardOutput).ReadToEndAsync(CancellationToken.None);
        var exitCode = await pgRestore.WaitForExitAsync(CancellationToken.None);
        ctx.Cancellation.ThrowIfCancellationRequested();
        return exitCode == 0 ? null : pgRestore.Failure(exitCode).Message;
    }

    /// <summary>Row counts of every user table of the database <paramref name="target"/> names, keyed like a manifest.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountRowsAsync(NpgsqlConnectionStringBuilder target, CancellationToken ct)
    {
        await using var restored = await EngineConnections.OpenAsync(target, ct);
        var tables = await UserTables.ListAsync(restored, null, ct);
        return await UserTables.CountAsync(restored, null, tables, ct);
    }

    internal static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
