using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// Where pg_dump and pg_restore are: one directory holding both, found like the server programs are (PATH first, then
/// the newest Debian-style <c>/usr/lib/postgresql/&lt;n&gt;/bin</c>), or a directory the configuration names.
/// </summary>
public sealed record PgClientTools(string Directory)
{
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(30);

    public string PgDump => Path.Combine(Directory, "pg_dump");

    public string PgRestore => Path.Combine(Directory, "pg_restore");

    /// <summary>Searches <paramref name="directory"/> when given (and only there), else the real PATH and /usr/lib/postgresql.</summary>
    /// <param name="server">The server the tools are for, when known: the refusal names its client package.</param>
    /// <exception cref="BackupFailedException">With <see cref="BackupFailure.ToolMissing"/>, naming what is missing and the package to install.</exception>
    public static PgClientTools Locate(string? directory = null, PgVersion? server = null) =>
        Locate(directory, server, Environment.GetEnvironmentVariable("PATH"), [PostgresBinaryLocator.DefaultFallbackRoot], File.Exists, ListDirectoriesOrEmpty);

    /// <summary>The search with its inputs passed in, for tests.</summary>
    internal static PgClientTools Locate(
        string? directory,
        PgVersion? server,
        string? pathEnvironment,
        IReadOnlyList<string> fallbackRoots,
        Func<string, bool> fileExists,
        Func<string, IEnumerable<string>> listDirectories)
    {
        var package = server is null ? "the postgresql-client package of the server's major version (postgresql-client-<major>)" : $"postgresql-client-{server.ReleaseLine}";
        if (!string.IsNullOrWhiteSpace(directory))
        {
            var missingThere = Missing(directory, fileExists);
            return missingThere.Count == 0
                ? new PgClientTools(directory)
                : throw new BackupFailedException(BackupFailure.ToolMissing,
                    $"{Describe(missingThere)} not found in {directory} (the configured directory); install {package} or correct the directory");
        }

        foreach (var entry in (pathEnvironment ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // A relative PATH entry would make the answer depend on the working directory.
            if (Path.IsPathRooted(entry) && Missing(entry, fileExists).Count == 0)
            {
                return new PgClientTools(entry);
            }
        }

        foreach (var root in fallbackRoots)
        {
            var bins = listDirectories(root)
                .Select(d => Path.GetFileName(d.TrimEnd('/')))
                .Select(name => (Name: name, Version: PostgresBinaryLocator.ParseVersion(name)))
                .Where(v => v.Version is not null)
                .OrderByDescending(v => v.Version)
                .Select(v => Path.Combine(root, v.Name, "bin"));
            foreach (var bin in bins)
            {
                if (Missing(bin, fileExists).Count == 0)
                {
                    return new PgClientTools(bin);
                }
            }
        }

        var missing = Missing(null, _ => false);
        var where = fallbackRoots.Count == 0 ? "on PATH" : "on PATH or under " + string.Join(" or ", fallbackRoots);
        throw new BackupFailedException(BackupFailure.ToolMissing, $"{Describe(missing)} not found {where}; install {package}");
    }

    public Task<PgVersion> ReadPgDumpVersionAsync(CancellationToken ct) => ReadVersionAsync(PgDump, ct);

    public Task<PgVersion> ReadPgRestoreVersionAsync(CancellationToken ct) => ReadVersionAsync(PgRestore, ct);

    private static async Task<PgVersion> ReadVersionAsync(string program, CancellationToken ct)
    {
        var (exitCode, output, error) = await PgToolProcess.RunToEndAsync(program, ["--version"], VersionTimeout, ct);
        return exitCode == 0 && PgVersion.TryParseToolVersion(output, out var version)
            ? version
            : throw new BackupFailedException(BackupFailure.ToolMissing,
                $"{program} --version did not report a PostgreSQL version (exit code {exitCode}): {FirstLine(output + error)}");
    }

    private static string FirstLine(string text) => text.Trim().Split('\n', 2)[0];

    private static List<string> Missing(string? directory, Func<string, bool> fileExists) =>
        new[] { "pg_dump", "pg_restore" }.Where(p => directory is null || !fileExists(Path.Combine(directory, p))).ToList();

    private static string Describe(List<string> missing) =>
        missing.Count == 1 ? $"{missing[0]} was" : string.Join(" and ", missing) + " were";

    private static IEnumerable<string> ListDirectoriesOrEmpty(string root)
    {
        try
        {
            return System.IO.Directory.Exists(root) ? System.IO.Directory.GetDirectories(root) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
