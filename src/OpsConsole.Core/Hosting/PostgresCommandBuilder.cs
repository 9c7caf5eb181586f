using System.Globalization;

namespace OpsConsole.Core.Hosting;

/// <summary>A program and its argument vector; passed to ProcessStartInfo.ArgumentList, never through a shell.</summary>
internal sealed record ProcessCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public override string ToString() => string.Join(' ', Arguments.Prepend(FileName));
}

/// <summary>
/// Builds the initdb/pg_ctl command lines. PostgreSQL refuses to run as root, so when the console runs as root
/// every server command is wrapped in <c>runuser -u postgres --</c>.
/// </summary>
internal sealed class PostgresCommandBuilder(PostgresBinaries binaries, bool runAsPostgres, string runUserPath = "runuser")
{
    public const string SuperUser = "opsconsole";
    public const string ServiceAccount = "postgres";

    public bool RunAsPostgres => runAsPostgres;

    /// <param name="extraArguments">Appended after the console's own (e.g. <c>--wal-segsize=1</c> for a small test cluster).</param>
    public ProcessCommand InitDb(string clusterDirectory, string passwordFile, IEnumerable<string>? extraArguments = null) => Wrap(binaries.InitDb,
    [
        "-D", clusterDirectory,
        "-U", SuperUser,
        "--pwfile=" + passwordFile,
        "--auth-local=scram-sha-256",
        "--auth-host=scram-sha-256",
        "-E", "UTF8",
        // "C" exists everywhere (C.UTF-8 needs glibc 2.35+ or a generated locale) and gives stable byte ordering.
        "--locale=C",
        "--no-instructions",
        .. extraArguments ?? [],
    ]);

    public ProcessCommand Start(string clusterDirectory, string logFile, TimeSpan timeout) => Wrap(binaries.PgCtl,
    [
        "-D", clusterDirectory,
        "-l", logFile,
        "-w",
        "-t", Seconds(timeout),
        "start",
    ]);

    public ProcessCommand Stop(string clusterDirectory, TimeSpan timeout, PostgresShutdownMode mode = PostgresShutdownMode.Fast) => Wrap(binaries.PgCtl,
    [
        "-D", clusterDirectory,
        "-m", mode == PostgresShutdownMode.Immediate ? "immediate" : "fast",
        "-w",
        "-t", Seconds(timeout),
        "stop",
    ]);

    /// <summary>Checks, as the server account, that the cluster directory is reachable and writable.</summary>
    public ProcessCommand CanWrite(string directory) => Wrap("test", ["-w", directory]);

    /// <summary>Hands a path to the server account; chown itself runs as root, so it is never wrapped.</summary>
    public static ProcessCommand Chown(bool recursive, params string[] paths) => new(
        "chown",
        [.. recursive ? new[] { "-R" } : [], $"{ServiceAccount}:{ServiceAccount}", "--", .. paths]);

    /// <summary>Exit code 0 when the server account exists; Debian's postgresql package creates it.</summary>
    public static ProcessCommand UserExists() => new("id", ["-u", ServiceAccount]);

    internal ProcessCommand Wrap(string program, IReadOnlyList<string> arguments) =>
        runAsPostgres
            ? new ProcessCommand(runUserPath, ["-u", ServiceAccount, "--", program, .. arguments])
            : new ProcessCommand(program, arguments);

    private static string Seconds(TimeSpan timeout) =>
        Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
